import type { CodePipelineClient } from "@aws-sdk/client-codepipeline";
import { pipelineActivity } from "../aws/managed-stacks.js";
import type { StackSnapshot } from "../core/stack-snapshot.js";
import { readConfig, type ConfigCache, type ConfigRead } from "../config/config-cache.js";
import { repositoryFullName, type Environment, type RepositoryRef } from "../core/environment.js";
import type { GitRef } from "../core/routing.js";
import {
  planReconcile,
  type ManagedEnvironment,
  type OrphanedApplication,
  type ReconcileAction,
} from "../core/reconcile-plan.js";
import { stackCondition } from "../core/stack-state.js";
import { belongsToRepository, environmentFromTags, isApplicationStack, repositoryStateOf, TAG } from "../core/tags.js";
import { pipelineOfStack, stackPrefixOf } from "../core/naming.js";
import { findCheckRun } from "../github/check-runs.js";
import { checkRunName } from "../core/check-identity.js";
import type { InstallationOctokit } from "../github/octokit.js";
import { planIdle, type BranchStack } from "./idle-environments.js";
import type { RefJob } from "./ref-job.js";

export type RepositoryPlan =
  | { readonly kind: "skipped"; readonly why: string }
  | { readonly kind: "planned"; readonly actions: readonly ReconcileAction[] };

/**
 * The reconciler's view of one repository (its config, its branches, its managed stacks and their
 * runs) and what would make AWS agree with git. Shared by the app's Reconciler and `branchline gc`.
 */
export async function planRepository(
  /** The repository, and the cache its config is read through (the app's; `gc` keeps none). */
  source: ConfigRead & { readonly configs?: ConfigCache | undefined },
  stacks: readonly StackSnapshot[],
  codepipeline: CodePipelineClient,
  /** branchline's App id: only its own check runs say a run was reported (unknown to token-only tools). */
  appId: number | undefined,
  now: Date = new Date(),
): Promise<RepositoryPlan> {
  const { octokit, repo, defaultBranch } = source;
  const loaded = await readConfig(source.configs, source);
  if (loaded.kind === "absent") return { kind: "skipped", why: "no .github/branchline.yml" };
  if (loaded.kind === "invalid") return { kind: "skipped", why: "invalid .github/branchline.yml" };
  const branches = await octokit.paginate(octokit.rest.repos.listBranches, {
    owner: repo.owner,
    repo: repo.name,
    per_page: 100,
  });
  const managed: ManagedEnvironment[] = [];
  const branchStacks: BranchStack[] = [];
  for (const { stack, environment } of stacksOf(stacks, repo)) {
    // branchline names each pipeline after its stack; a stack's outputs are the template's word, not evidence.
    const pipeline = pipelineOfStack(stack.name);
    const activity = await pipelineActivity(codepipeline, pipeline);
    if (environment.kind === "branch") branchStacks.push({ stack, branch: environment.branch, activity });
    const lastRunReported =
      activity.lastRunId === undefined ||
      activity.lastRunCommit === undefined ||
      (await reported(octokit, repo, activity.lastRunCommit, checkRunName(environment), activity.lastRunId, appId));
    managed.push({
      lastRunReported,
      stackName: stack.name,
      environment,
      condition: stackCondition(stack.status),
      lastRunId: activity.lastRunId,
      lastRunCommit: activity.lastRunCommit,
      runsInProgress: activity.inProgress,
      pipeline,
      state: repositoryStateOf(stack.tags),
      repository: stack.tags[TAG.repository] ?? "",
    });
  }
  const heads = branches.map((b) => ({ name: b.name, commit: b.commit.sha }));
  const actions = planReconcile(heads, defaultBranch, loaded.config, managed, {
    orphans: orphanedApplications(stacks, repo),
    repository: repositoryFullName(repo),
  });
  // Idle environments (branches.ttl, maxEnvironments): warnings and ends, and branches torn down on purpose.
  const withStack = new Set(branchStacks.map((s) => s.branch));
  const stackless = actions.flatMap((a) =>
    a.kind === "deploy" && a.ref.name !== defaultBranch && !withStack.has(a.ref.name)
      ? [{ name: a.ref.name, commit: a.commit }]
      : [],
  );
  const idle = await planIdle({
    octokit,
    repo,
    config: loaded.config,
    branches: heads,
    stacks: branchStacks,
    stackless,
    now,
    appId,
  });
  return {
    kind: "planned",
    actions: [...actions.filter((a) => !(a.kind === "deploy" && idle.resting.has(a.ref.name))), ...idle.actions],
  };
}

/**
 * A repository's application stacks whose pipeline stack is gone (deleted by hand, or by an older
 * branchline that left them): found by their tags, so nothing is left running for a branch that no
 * longer exists.
 */
export function orphanedApplications(stacks: readonly StackSnapshot[], repo: RepositoryRef): OrphanedApplication[] {
  const present = new Set(stacks.map((stack) => stack.name));
  return stacks.flatMap((stack) => {
    if (
      !isApplicationStack(stack.tags) ||
      !belongsToRepository(stack.tags, repo) ||
      present.has(stack.tags[TAG.pipelineStack]!)
    )
      return [];
    const environment = environmentFromTags(stack.tags);
    return environment ? [{ stackName: stack.name, pipelineStack: stack.tags[TAG.pipelineStack]!, environment }] : [];
  });
}

/**
 * A repository's managed stacks (by their tags) and the environment each holds. By the repository's
 * id where known: a new repository under an old name neither adopts nor deletes the old one's.
 */
export function stacksOf(
  stacks: readonly StackSnapshot[],
  repo: RepositoryRef,
): { stack: StackSnapshot; environment: NonNullable<ReturnType<typeof environmentFromTags>> }[] {
  return stacks.flatMap((stack) => {
    // Application stacks carry their environment's tags too, but are not its stack.
    const environment =
      belongsToRepository(stack.tags, repo) && !isApplicationStack(stack.tags) ? environmentFromTags(stack.tags) : null;
    return environment ? [{ stack, environment }] : [];
  });
}

/**
 * A repository's stacks as the retirement planner sees them: no runs to look at (nothing will be
 * deployed), and no GitHub to ask (it may be gone).
 */
export function retiringEnvironments(stacks: readonly StackSnapshot[], repo: RepositoryRef): ManagedEnvironment[] {
  return stacksOf(stacks, repo).map(({ stack, environment }) => ({
    stackName: stack.name,
    environment,
    condition: stackCondition(stack.status),
    lastRunId: undefined,
    lastRunCommit: undefined,
    lastRunReported: true,
    runsInProgress: [],
    pipeline: stack.name,
    state: repositoryStateOf(stack.tags),
    repository: stack.tags[TAG.repository] ?? "",
  }));
}

/**
 * The job an action becomes: deploy and destroy the same a webhook would make; retire a teardown
 * that needs no GitHub; mark in the environment's lane. `resume` and `keep` are no jobs.
 */
export function jobForAction(
  action: ReconcileAction,
  base: Pick<RefJob, "deliveryId" | "installationId" | "repo" | "defaultBranch">,
): RefJob | null {
  const common = { ...base, cause: { kind: "ref" } as const, supersedes: [] };
  switch (action.kind) {
    case "deploy":
      return {
        ...common,
        event: { kind: "updated", ref: action.ref, commit: action.commit },
        ...(action.follow ? { cause: { kind: "follow" } as const } : {}),
      };
    case "destroy":
      return { ...common, event: { kind: "deleted", ref: action.ref } };
    case "retire":
      return {
        ...common,
        event: { kind: "deleted", ref: action.ref },
        cause: { kind: "retire", why: action.reason, stackPrefix: stackPrefixOf(action.stackName) },
      };
    case "idle":
      // A warning is a note on a check run, written by the pass itself; the rest happens in the lane.
      return action.step === "warn"
        ? null
        : {
            ...common,
            event: { kind: "updated", ref: action.ref, commit: action.commit },
            cause: { kind: "idle", step: action.step, commit: action.commit, why: action.reason },
          };
    case "mark":
      // The environment's own lane (staging's is its default branch's, production's the tags').
      return {
        ...common,
        event: { kind: "updated", ref: laneRef(action.environment, base.defaultBranch), commit: null },
        cause: {
          kind: "mark",
          stackName: action.stackName,
          state: action.state,
          reason: action.reason,
          ...(action.follow ? { follow: true as const } : {}),
        },
      };
    case "resume":
    case "keep":
      return null;
  }
}

/** The ref whose lane an environment's jobs wait in; a staging stack's own tag names the branch when no default branch is known. */
function laneRef(environment: Environment, defaultBranch: string): GitRef {
  switch (environment.kind) {
    case "branch":
      return { type: "branch", name: environment.branch };
    case "staging":
      return { type: "branch", name: defaultBranch || environment.branch };
    case "production":
      return { type: "tag", name: environment.tag };
  }
}

/** Whether the commit's check run already shows the end of that run. */
async function reported(
  octokit: InstallationOctokit,
  repo: RepositoryRef,
  commit: string,
  name: string,
  executionId: string,
  appId: number | undefined,
): Promise<boolean> {
  const check = await findCheckRun(octokit, repo, commit, name, appId);
  return check?.externalId === executionId && check.status === "completed";
}
