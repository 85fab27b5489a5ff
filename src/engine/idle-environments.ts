import type { CodePipelineClient } from "@aws-sdk/client-codepipeline";
import { pipelineActivity, type PipelineActivity } from "../aws/managed-stacks.js";
import type { StackSnapshot } from "../core/stack-snapshot.js";
import { idleRules, idleRulesActive, type BranchlineConfig } from "../config/schema.js";
import type { Environment, RepositoryRef } from "../core/environment.js";
import { clockStart, decideIdle, KEEP_LABEL, type IdleEnvironment, type IdleRules } from "../core/idle-policy.js";
import { HIBERNATE_PARAMETER } from "../core/parameters.js";
import type { BranchHead, ReconcileAction } from "../core/reconcile-plan.js";
import { stackCondition } from "../core/stack-state.js";
import { checkRunName } from "../core/check-identity.js";
import type { InstallationOctokit } from "../github/octokit.js";
import { idleMarks } from "../github/idle-notes.js";
import { warnedOnPull } from "../github/idle-comments.js";
import { labelChangedAt, openPullRequests, type OpenPullRequest } from "../github/pull-requests.js";

/** A managed branch stack with what its pipeline says of its runs. */
export interface BranchStack {
  readonly stack: StackSnapshot;
  readonly branch: string;
  readonly activity: PipelineActivity;
}

/** The policy's view of one branch environment; `warnedAt` is read later, only where it matters. */
export function idleEnvironment(
  { stack, branch, activity }: BranchStack,
  head: string,
  pulls: readonly OpenPullRequest[],
  now: Date,
  read: { readonly warnedAt: Date | null; readonly keptAt: Date | null } = { warnedAt: null, keptAt: null },
): IdleEnvironment {
  const createdAt = stack.createdAt ?? now;
  const own = pulls.filter((pull) => pull.branch === branch);
  return {
    stackName: stack.name,
    branch,
    createdAt,
    lastPushAt: activity.lastRunStartedAt ?? createdAt,
    lastRunCommit: activity.lastRunCommit,
    head,
    busy: activity.inProgress.length > 0 || stackCondition(stack.status) === "busy",
    canHibernate: Object.hasOwn(stack.parameters, HIBERNATE_PARAMETER),
    hibernated: stack.parameters[HIBERNATE_PARAMETER] === "true",
    keepLabel: own.some((pull) => pull.labels.includes(KEEP_LABEL)),
    openPullRequest: own.length > 0,
    warnedAt: read.warnedAt,
    keptAt: read.keptAt,
  };
}

export interface IdlePlan {
  readonly actions: readonly ReconcileAction[];
  /** Branches torn down for idleness at their current head: the reconciler leaves them be until a push. */
  readonly resting: ReadonlySet<string>;
}

const NOTHING: IdlePlan = { actions: [], resting: new Set() };

/**
 * The reconcile pass's idle look at one repository: which branch environments to warn, hibernate or
 * tear down, and which stackless branches were torn down on purpose (not to be recreated). Costs one
 * pull request list, plus a check run read for each environment near its deadline and each
 * stackless branch; nothing at all when `branches.ttl` and `branches.maxEnvironments` are unset.
 */
export async function planIdle(request: {
  readonly octokit: InstallationOctokit;
  readonly repo: RepositoryRef;
  readonly config: BranchlineConfig;
  readonly branches: readonly BranchHead[];
  readonly stacks: readonly BranchStack[];
  /** Branches the reconciler would deploy for want of a stack: torn down on purpose, or lost? */
  readonly stackless: readonly BranchHead[];
  readonly now: Date;
  readonly appId: number | undefined;
}): Promise<IdlePlan> {
  const rules = idleRules(request.config);
  if (!idleRulesActive(rules)) return NOTHING;
  const { octokit, repo, now } = request;
  const heads = new Map(request.branches.map((b) => [b.name, b.commit]));
  const actions: ReconcileAction[] = [];
  if (rules.ttlMs !== null) {
    const pulls = await openPullRequests(octokit, repo);
    for (const branchStack of request.stacks) {
      const head = heads.get(branchStack.branch);
      if (head === undefined) continue; // a deleted branch: the reconciler tears it down anyway
      const action = await idleAction(octokit, repo, rules, branchStack, head, pulls, now, request.appId);
      if (action) actions.push(action);
    }
  }
  const resting = new Set<string>();
  for (const branch of request.stackless) {
    const marks = await idleMarks(
      octokit,
      repo,
      branch.commit,
      checkRunName(branchEnvironment(branch.name)),
      request.appId,
    );
    if (marks?.latest === "torn-down") resting.add(branch.name);
  }
  return { actions, resting };
}

async function idleAction(
  octokit: InstallationOctokit,
  repo: RepositoryRef,
  rules: IdleRules,
  branchStack: BranchStack,
  head: string,
  pulls: readonly OpenPullRequest[],
  now: Date,
  appId: number | undefined,
): Promise<ReconcileAction | null> {
  let env = idleEnvironment(branchStack, head, pulls, now);
  let decision = decideIdle(env, rules, now);
  const pull = pullToWarn(pulls, env.branch);
  if (decision.kind === "warn") {
    // Near the deadline by its last push: was it warned already, or did the keep label move since?
    // Its pull request's comments and label events say, and the note on its last run's check run.
    const marks = env.lastRunCommit
      ? await idleMarks(octokit, repo, env.lastRunCommit, checkRunName(branchEnvironment(env.branch)), appId)
      : null;
    let warnedAt = marks?.warnedAt ?? null;
    let keptAt: Date | null = null;
    for (const own of pulls.filter((p) => p.branch === env.branch)) {
      keptAt = later(keptAt, await labelChangedAt(octokit, repo, own.number, KEEP_LABEL));
    }
    if (pull) warnedAt = later(warnedAt, await warnedOnPull(octokit, repo, pull.number, appId));
    env = idleEnvironment(branchStack, head, pulls, now, { warnedAt, keptAt });
    decision = decideIdle(env, rules, now);
  }
  const ref = { type: "branch" as const, name: env.branch };
  const common = { ref, stackName: env.stackName, commit: head };
  switch (decision.kind) {
    case "warn":
      return {
        kind: "idle",
        ...common,
        step: "warn",
        ...(pull ? { pullNumber: pull.number } : {}),
        deadline: decision.deadline.toISOString(),
        then: decision.then,
        reason: `${clockStart(env) === env.lastPushAt ? "no push" : `no push or change of the ${KEEP_LABEL} label`} since ${clockStart(env).toISOString()}; it will be ${decision.then === "hibernate" ? "hibernated" : "torn down"} at ${decision.deadline.toISOString()}`,
      };
    case "end":
      return { kind: "idle", ...common, step: decision.then, reason: decision.why };
    case "active":
    case "kept":
    case "warned":
    case "asleep":
      return null;
  }
}

/** The pull request a warning goes to: the branch's newest open one. */
function pullToWarn(pulls: readonly OpenPullRequest[], branch: string): OpenPullRequest | undefined {
  return pulls.filter((p) => p.branch === branch).sort((a, b) => b.number - a.number)[0];
}

function later(a: Date | null, b: Date | null): Date | null {
  if (a === null) return b;
  return b !== null && b > a ? b : a;
}

export function branchEnvironment(branch: string): Environment {
  return { kind: "branch", branch };
}

/** The other branch environments of a repository, with their runs: what the cap counts. */
export async function branchStacks(
  codepipeline: CodePipelineClient,
  stacks: readonly { stack: StackSnapshot; environment: Environment }[],
): Promise<BranchStack[]> {
  const found: BranchStack[] = [];
  for (const { stack, environment } of stacks) {
    if (environment.kind !== "branch") continue;
    found.push({ stack, branch: environment.branch, activity: await pipelineActivity(codepipeline, stack.name) });
  }
  return found;
}
