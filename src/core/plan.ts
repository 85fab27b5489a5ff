import type { StackCondition } from "./stack-state.js";

/** What branchline knows of an environment's stack. */
export interface ObservedStack {
  readonly status: string;
  readonly condition: StackCondition;
  /** Whether the stack's tags say it is this environment's, managed by branchline. */
  readonly ownedByEnvironment: boolean;
  /** Why it is not owned, when the tags say more than "not ours" (another repository's id). */
  readonly ownerNote?: string;
  readonly terminationProtection: boolean;
  /** From the stack's tags: what it was last built from. */
  readonly templateHash: string | undefined;
  readonly parametersHash: string | undefined;
}

/** What an environment's stack should be built from. */
export interface DesiredStack {
  readonly templateHash: string;
  readonly parametersHash: string;
}

export type Goal =
  /** `replace`: a person asked to rebuild the stack from scratch (branch environments only). */
  { readonly kind: "deployed"; readonly desired: DesiredStack; readonly replace?: boolean } | { readonly kind: "gone" };

export type Step =
  | { readonly kind: "create" }
  | { readonly kind: "update" }
  | { readonly kind: "delete"; readonly why: string }
  | { readonly kind: "continue-rollback" }
  | { readonly kind: "start-run" }
  | { readonly kind: "wait"; readonly why: string }
  | { readonly kind: "refuse"; readonly why: string };

/**
 * Actual + goal → the steps still to take, in order. The engine applies the first, observes again
 * and plans again, so every step is taken against fresh state. An empty plan means converged.
 */
export function plan(stackName: string, actual: ObservedStack | null, goal: Goal): readonly Step[] {
  if (actual !== null && actual.condition !== "absent" && !actual.ownedByEnvironment) {
    return [
      refuse(
        `stack ${stackName} exists but ${actual.ownerNote ?? "its tags do not say branchline manages it for this environment"}; rename or remove it`,
      ),
    ];
  }
  return goal.kind === "gone"
    ? planRemoval(stackName, actual)
    : planDeployment(stackName, actual, goal.desired, goal.replace ?? false);
}

function planRemoval(stackName: string, actual: ObservedStack | null): readonly Step[] {
  if (actual === null) return [];
  switch (actual.condition) {
    case "absent":
      return [];
    case "busy":
      return [waitFor(stackName, actual)];
    case "ready":
    case "failed-create":
    case "rollback-failed":
    case "delete-failed":
      if (actual.terminationProtection) {
        return [refuse(`stack ${stackName} has termination protection; branchline never deletes a protected stack`)];
      }
      return [{ kind: "delete", why: "the environment's ref is gone" }];
  }
}

function planDeployment(
  stackName: string,
  actual: ObservedStack | null,
  desired: DesiredStack,
  replace: boolean,
): readonly Step[] {
  if (actual === null) return [{ kind: "create" }, { kind: "start-run" }];
  switch (actual.condition) {
    case "absent":
      return [{ kind: "create" }, { kind: "start-run" }];
    case "busy":
      return [waitFor(stackName, actual)];
    case "failed-create":
      if (actual.terminationProtection) return [protectedStuck(stackName, actual)];
      return [
        { kind: "delete", why: `stack ${stackName} is ${actual.status}, which allows only delete` },
        { kind: "create" },
        { kind: "start-run" },
      ];
    case "delete-failed":
      if (actual.terminationProtection) return [protectedStuck(stackName, actual)];
      return [
        { kind: "delete", why: `an earlier delete of ${stackName} failed (${actual.status})` },
        { kind: "create" },
        { kind: "start-run" },
      ];
    case "rollback-failed":
      return [{ kind: "continue-rollback" }, { kind: "update" }, { kind: "start-run" }];
    case "ready":
      if (replace) {
        if (actual.terminationProtection)
          return [refuse(`stack ${stackName} has termination protection; it is updated in place, never rebuilt`)];
        return [{ kind: "delete", why: "a rebuild was requested" }, { kind: "create" }, { kind: "start-run" }];
      }
      return isCurrent(actual, desired) ? [{ kind: "start-run" }] : [{ kind: "update" }, { kind: "start-run" }];
  }
}

function protectedStuck(stackName: string, actual: ObservedStack): Step {
  return refuse(
    `stack ${stackName} is ${actual.status}: only a delete recovers it, and it has termination protection, which branchline never overrides; a person must turn protection off (or repair the stack) first`,
  );
}

function waitFor(stackName: string, actual: ObservedStack): Step {
  return { kind: "wait", why: `stack ${stackName} is ${actual.status}` };
}

/** "No change" is decided here, from the stack's tags, before asking CloudFormation. */
export function isCurrent(actual: ObservedStack, desired: DesiredStack): boolean {
  return actual.templateHash === desired.templateHash && actual.parametersHash === desired.parametersHash;
}

function refuse(why: string): Step {
  return { kind: "refuse", why };
}
