import { environmentLabel, type Environment } from "./environment.js";
import type { IdleEnd } from "./idle-policy.js";
import { branchIncluded, type GitRef, type RoutingRules } from "./routing.js";
import type { StackCondition } from "./stack-state.js";
import type { RepositoryState } from "./tags.js";

export interface BranchHead {
  readonly name: string;
  readonly commit: string;
}

/** A stack branchline manages for the repository, as its tags and its pipeline describe it. */
export interface ManagedEnvironment {
  readonly stackName: string;
  readonly environment: Environment;
  readonly condition: StackCondition;
  /** The newest run branchline started, and its commit, if it has run. */
  readonly lastRunId: string | undefined;
  readonly lastRunCommit: string | undefined;
  /** Whether that run's check run already shows its end. */
  readonly lastRunReported: boolean;
  /** Executions still running: their reporting may have been interrupted. */
  readonly runsInProgress: readonly string[];
  readonly pipeline: string;
  /** The repository's name as the stack's tags record it (lower case): an older name after a rename. */
  readonly repository: string;
  /** What the stack's tags say of its repository (unowned, archived, deleted), or null: it follows git. */
  readonly state: RepositoryState | null;
}

export type ReconcileAction =
  /** `follow`: the repository changed under the stack (name, default branch); its commit may have run already. */
  | {
      readonly kind: "deploy";
      readonly ref: GitRef;
      readonly commit: string;
      readonly reason: string;
      readonly follow?: true;
    }
  | { readonly kind: "destroy"; readonly ref: GitRef; readonly stackName: string; readonly reason: string }
  | { readonly kind: "resume"; readonly pipeline: string; readonly executionId: string; readonly reason: string }
  /**
   * Tear a branch environment down without asking GitHub whether its branch is gone: the repository
   * is archived, deleted, or unowned and an operator said so; or the branch became the default branch.
   */
  | { readonly kind: "retire"; readonly ref: GitRef; readonly stackName: string; readonly reason: string }
  /**
   * Record on the stack's tags what became of its repository (null: it follows git again), in the
   * environment's lane. `follow`: also the repository's name now (renamed or transferred).
   */
  | {
      readonly kind: "mark";
      readonly stackName: string;
      readonly environment: Environment;
      readonly state: RepositoryState | null;
      readonly reason: string;
      readonly follow?: true;
    }
  /** Nothing to do but say so: staging or production of a repository that is gone, kept on purpose. */
  | { readonly kind: "keep"; readonly stackName: string; readonly reason: string }
  /**
   * An idle branch environment (`branches.ttl`): warn (a comment on pull request `pullNumber`, or
   * without one a note on the check run of its last run's commit), or hibernate or tear it down in
   * its own lane (src/core/idle-policy.ts decides which).
   */
  | {
      readonly kind: "idle";
      readonly ref: GitRef;
      readonly stackName: string;
      readonly step: "warn" | IdleEnd;
      readonly commit: string;
      readonly pullNumber?: number;
      readonly deadline?: string;
      readonly then?: IdleEnd;
      readonly reason: string;
    };

/** An application stack whose pipeline stack is gone, as its tags describe it. */
export interface OrphanedApplication {
  readonly stackName: string;
  readonly pipelineStack: string;
  readonly environment: Environment;
}

/** What a reconcile knows beside branches and managed stacks. */
export interface ReconcileContext {
  /** Application stacks whose pipeline stack is gone. */
  readonly orphans?: readonly OrphanedApplication[];
  /** The repository's name now (`owner/name`): stacks tagged with another were made before a rename or transfer. */
  readonly repository?: string;
}

/**
 * git (branches) against AWS (managed stacks) → what to do so the two agree. Production is not
 * deployed from here: a release is an explicit act, and only a tag event (or a person) starts one.
 */

export function planReconcile(
  branches: readonly BranchHead[],
  defaultBranch: string,
  rules: RoutingRules,
  managed: readonly ManagedEnvironment[],
  { orphans = [], repository }: ReconcileContext = {},
): ReconcileAction[] {
  const actions: ReconcileAction[] = [];
  const byLabel = new Map(managed.map((m) => [environmentLabel(m.environment), m]));
  for (const branch of branches) {
    const environment: Environment =
      branch.name === defaultBranch
        ? { kind: "staging", branch: branch.name }
        : { kind: "branch", branch: branch.name };
    if (environment.kind === "branch" && !branchIncluded(branch.name, rules)) continue;
    const stack = byLabel.get(environmentLabel(environment));
    const reason = deployReason(stack, branch);
    const moved =
      stack && repository !== undefined && stack.condition !== "absent" && stack.repository !== repository.toLowerCase()
        ? `the repository is now ${repository} (it was ${stack.repository})`
        : null;
    if (reason)
      actions.push({
        kind: "deploy",
        ref: { type: "branch", name: branch.name },
        commit: branch.commit,
        reason: reason.why,
        ...(reason.follow || moved ? { follow: true as const } : {}),
      });
    else if (moved)
      actions.push({
        kind: "deploy",
        ref: { type: "branch", name: branch.name },
        commit: branch.commit,
        reason: moved,
        follow: true,
      });
  }
  const present = new Set(branches.map((b) => b.name));
  for (const stack of managed) {
    const gone = stack.environment.kind === "branch" && !present.has(stack.environment.branch);
    // A repository that was unowned, archived or deleted and is followed again (re-installed,
    // unarchived): its stacks carry on as they are, and their tags say so again.
    // Production deploys only at a release, so nothing above follows a rename for it: its tags take
    // the repository's name now (with its id) without a deploy; its parameters follow at the next release.
    const renamed =
      stack.environment.kind === "production" &&
      stack.condition !== "absent" &&
      repository !== undefined &&
      stack.repository !== repository.toLowerCase();
    if (renamed)
      actions.push({
        kind: "mark",
        stackName: stack.stackName,
        environment: stack.environment,
        state: null,
        reason: `the repository is now ${repository} (it was ${stack.repository})`,
        follow: true,
      });
    else if (stack.state !== null && !gone)
      actions.push({
        kind: "mark",
        stackName: stack.stackName,
        environment: stack.environment,
        state: null,
        reason: `the repository is followed again (it was ${stack.state})`,
      });
    if (stack.environment.kind === "branch" && stack.environment.branch === defaultBranch) {
      // The default branch changed to a branch that had an environment: staging deploys it now.
      actions.push({
        kind: "retire",
        ref: { type: "branch", name: defaultBranch },
        stackName: stack.stackName,
        reason: `${defaultBranch} is now the default branch, which staging deploys`,
      });
    }
    if (gone) {
      actions.push({
        kind: "destroy",
        ref: { type: "branch", name: stack.environment.branch },
        stackName: stack.stackName,
        reason: `branch ${stack.environment.branch} no longer exists`,
      });
    }
    for (const executionId of stack.runsInProgress) {
      actions.push({ kind: "resume", pipeline: stack.pipeline, executionId, reason: "a run is in progress" });
    }
    // A run that ended while no process followed it is reported now (a no-op when it already was).
    if (stack.lastRunId !== undefined && !stack.lastRunReported && !stack.runsInProgress.includes(stack.lastRunId)) {
      actions.push({
        kind: "resume",
        pipeline: stack.pipeline,
        executionId: stack.lastRunId,
        reason: "the newest run ended without being reported",
      });
    }
  }
  // What a deleted branch's pipeline left running: its teardown (the same job a delete makes) removes it.
  // A branch that still exists gets its pipeline stack back from the deploy above; staging and production are never torn down here.
  for (const orphan of orphans) {
    if (orphan.environment.kind !== "branch" || present.has(orphan.environment.branch)) continue;
    const branch = orphan.environment.branch;
    if (actions.some((a) => a.kind === "destroy" && a.ref.name === branch)) continue;
    actions.push({
      kind: "destroy",
      ref: { type: "branch", name: branch },
      stackName: orphan.stackName,
      reason: `branch ${branch} no longer exists; its application stack ${orphan.stackName} is still running`,
    });
  }
  return actions;
}

function deployReason(
  stack: ManagedEnvironment | undefined,
  branch: BranchHead,
): { why: string; follow?: true } | null {
  const why = plainReason(stack, branch);
  if (why) return { why };
  // Staging follows the default branch whichever it is: when it changes, staging moves to it at once.
  if (
    stack?.environment.kind === "staging" &&
    stack.environment.branch !== branch.name &&
    stack.condition !== "absent"
  ) {
    return {
      why: `staging follows ${stack.environment.branch}, but the default branch is now ${branch.name}`,
      follow: true,
    };
  }
  return null;
}

function plainReason(stack: ManagedEnvironment | undefined, branch: BranchHead): string | null {
  const head = branch.commit;
  if (!stack) return "the environment has no stack";
  switch (stack.condition) {
    case "absent":
      return "the environment has no stack";
    case "failed-create":
    case "rollback-failed":
    case "delete-failed":
      return `the stack is stuck (${stack.condition})`;
    case "busy":
      // Someone may be on it, or its process died mid-operation: unless the head already ran, deploy
      // (the lane waits for the operation; a job already doing it leaves this one nothing to do).
      return stack.lastRunCommit !== head
        ? `the stack is busy and the branch's head ${head.slice(0, 12)} has not run`
        : null;
    case "ready":
      if (stack.lastRunCommit !== head)
        return `the branch is at ${head.slice(0, 12)} but the last run was for ${stack.lastRunCommit?.slice(0, 12) ?? "no commit"}`;
      return null;
  }
}

/**
 * A repository branchline can no longer follow → what happens to its stacks. Archived or deleted:
 * branch environments are torn down like deleted branches; staging and production are kept (they
 * carry termination protection) and reported. Unowned (uninstalled, suspended, removed): nothing is
 * deleted, since without git branchline cannot tell what is live; `teardown` is an operator's word
 * (`branchline gc --repo`) to remove its branch environments all the same. Every kept stack's tags
 * say what became of its repository.
 */
export function planRetirement(
  managed: readonly ManagedEnvironment[],
  state: RepositoryState,
  options: { readonly teardown?: boolean } = {},
): ReconcileAction[] {
  const teardown = state !== "unowned" || (options.teardown ?? false);
  const actions: ReconcileAction[] = [];
  for (const stack of managed) {
    const environment = stack.environment;
    if (environment.kind === "branch" && teardown) {
      actions.push({
        kind: "retire",
        ref: { type: "branch", name: environment.branch },
        stackName: stack.stackName,
        reason: `the repository is ${state}`,
      });
      continue;
    }
    if (stack.state !== state)
      actions.push({
        kind: "mark",
        stackName: stack.stackName,
        environment,
        state,
        reason: `the repository is ${state}`,
      });
    if (environment.kind !== "branch") {
      actions.push({
        kind: "keep",
        stackName: stack.stackName,
        reason: `${environmentLabel(environment)} is kept (termination protection); remove it by hand if it is no longer wanted`,
      });
    }
  }
  return actions;
}
