import { environmentLabel, type Environment } from "./environment.js";
import { branchIncluded, type GitRef, type RoutingRules } from "./routing.js";
import type { StackCondition } from "./stack-state.js";

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
}

export type ReconcileAction =
  | { readonly kind: "deploy"; readonly ref: GitRef; readonly commit: string; readonly reason: string }
  | { readonly kind: "destroy"; readonly ref: GitRef; readonly stackName: string; readonly reason: string }
  | { readonly kind: "resume"; readonly pipeline: string; readonly executionId: string; readonly reason: string };

/**
 * git (branches) against AWS (managed stacks) → what to do so the two agree. Production is not
 * deployed from here: a release is an explicit act, and only a tag event (or a person) starts one.
 */
export function planReconcile(
  branches: readonly BranchHead[],
  defaultBranch: string,
  rules: RoutingRules,
  managed: readonly ManagedEnvironment[],
): ReconcileAction[] {
  const actions: ReconcileAction[] = [];
  const byLabel = new Map(managed.map((m) => [environmentLabel(m.environment), m]));
  for (const branch of branches) {
    const environment: Environment =
      branch.name === defaultBranch ? { kind: "staging", branch: branch.name } : { kind: "branch", branch: branch.name };
    if (environment.kind === "branch" && !branchIncluded(branch.name, rules)) continue;
    const stack = byLabel.get(environmentLabel(environment));
    const reason = deployReason(stack, branch.commit);
    if (reason) actions.push({ kind: "deploy", ref: { type: "branch", name: branch.name }, commit: branch.commit, reason });
  }
  const present = new Set(branches.map((b) => b.name));
  for (const stack of managed) {
    if (stack.environment.kind === "branch" && !present.has(stack.environment.branch)) {
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
      actions.push({ kind: "resume", pipeline: stack.pipeline, executionId: stack.lastRunId, reason: "the newest run ended without being reported" });
    }
  }
  return actions;
}

function deployReason(stack: ManagedEnvironment | undefined, head: string): string | null {
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
      return stack.lastRunCommit !== head ? `the stack is busy and the branch's head ${head.slice(0, 12)} has not run` : null;
    case "ready":
      if (stack.lastRunCommit !== head) return `the branch is at ${head.slice(0, 12)} but the last run was for ${stack.lastRunCommit?.slice(0, 12) ?? "no commit"}`;
      return null;
  }
}
