/**
 * What happens when a run ends (`onFailure.<kind>`), and where a rollback goes: the last good release
 * in the deployment ledger. Pure decisions; src/engine/failure-policy.ts gathers the facts and acts.
 */

export type FailurePolicyName = "record" | "webhook" | "redeploy-last-good";

export interface FailureFacts {
  readonly policy: FailurePolicyName;
  /** The run that ended, and how. */
  readonly status: string;
  /** The run was itself a rollback: it never causes another one. */
  readonly wasRollback: boolean;
}

export type FailureReaction =
  | { readonly kind: "nothing"; readonly why: string }
  | { readonly kind: "record"; readonly why: string }
  | { readonly kind: "notify" }
  | { readonly kind: "rollback" };

/**
 * What to do when a run ends. Only `Failed` is a failure: Superseded, Cancelled and Stopped are not
 * the commit's fault. A rollback that fails is reported, never rolled back again (no loops).
 */
export function reactToRunEnd(facts: FailureFacts): FailureReaction {
  if (facts.status !== "Failed") return { kind: "nothing", why: `the run ended ${facts.status}` };
  switch (facts.policy) {
    case "record":
      return { kind: "record", why: "onFailure is `record`" };
    case "webhook":
      return { kind: "notify" };
    case "redeploy-last-good":
      return facts.wasRollback ? { kind: "notify" } : { kind: "rollback" };
  }
}

/** One entry of the deployment ledger: a deployment of the environment, newest first, with its states. */
export interface LedgerEntry {
  readonly deploymentId: number;
  readonly commit: string;
  readonly states: readonly string[];
}

export type RollbackTarget =
  | { readonly kind: "redeploy"; readonly commit: string; readonly deploymentId: number }
  | { readonly kind: "none"; readonly why: string };

/**
 * The last known good release: the newest deployment of the environment that ever reached success,
 * other than the failed commit. Entries come newest first. A failed commit that is not the newest
 * deployment any more has already been overtaken: rolling back would undo something newer.
 */
export function lastGoodRelease(ledger: readonly LedgerEntry[], failedCommit: string): RollbackTarget {
  const candidates = rollbackCandidates(ledger, failedCommit);
  if ("why" in candidates) return { kind: "none", why: candidates.why };
  const good = candidates[0]!;
  return { kind: "redeploy", commit: good.commit, deploymentId: good.deploymentId };
}

/**
 * Every good release a rollback may go to, newest first (each commit once), or why there is none.
 * The caller still holds each to the release criteria: the newest that meets them is the target.
 */
export function rollbackCandidates(
  ledger: readonly LedgerEntry[],
  failedCommit: string,
): readonly LedgerEntry[] | { readonly why: string } {
  const newest = ledger[0];
  if (newest !== undefined && newest.commit !== failedCommit) {
    return {
      why: `a newer deployment (commit \`${newest.commit.slice(0, 12)}\`) has started since; it is not rolled back`,
    };
  }
  const seen = new Set<string>();
  const good = ledger.filter((entry) => {
    if (entry.commit === failedCommit || !entry.states.includes("success") || seen.has(entry.commit)) return false;
    seen.add(entry.commit);
    return true;
  });
  return good.length > 0 ? good : { why: "no earlier deployment of this environment ever succeeded" };
}
