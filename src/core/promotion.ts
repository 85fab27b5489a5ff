import { matchesAny } from "./glob.js";
import { hasPermission, type PermissionLevel } from "./permissions.js";
import type { RequiredCheck, RequiredCheckResult } from "./required-checks.js";

/**
 * Promotion to production, as pure decisions over facts gathered elsewhere (src/github/promotion-facts.ts):
 * may this release tag deploy, who may answer the pipeline's approval, and what happens when a run
 * fails. Nothing here talks to GitHub or AWS.
 */

/** The rules, as the config gives them (`production:` in .github/branchline.yml, defaults applied). */
export interface PromotionCriteria {
  readonly requireOnDefaultBranch: boolean;
  readonly requireStagingSuccess: boolean;
  /** Globs the tag must match; undefined: any tag that routes to production. */
  readonly allowedTags?: readonly string[] | undefined;
  /** Who may promote; undefined: anyone. Logins and team slugs in lower case. */
  readonly allowedActors?: { readonly users: readonly string[]; readonly teams: readonly string[] } | undefined;
  /** External verification that must be success on the commit (`production.requireChecks`). */
  readonly requiredChecks?: readonly RequiredCheck[] | undefined;
}

/** What staging did with exactly this commit, as branchline's own `branchline: staging` check run says. */
export type StagingEvidence =
  | { readonly kind: "succeeded" }
  | { readonly kind: "none" }
  | { readonly kind: "running" }
  | { readonly kind: "concluded"; readonly conclusion: string };

/** Where the commit stands against the default branch (GitHub's compare `default...commit`). */
export type Reachability = "reachable" | "not-reachable" | "unknown-commit";

/** The facts a decision needs. Facts the criteria do not ask for may be left undefined. */
export interface PromotionFacts {
  readonly tag: string;
  readonly commit: string;
  readonly defaultBranch: string;
  /** The person asking: who pushed the tag, or pressed Re-run; null when no person did (the reconciler). */
  readonly actor: string | null;
  readonly reachability?: Reachability | undefined;
  readonly staging?: StagingEvidence | undefined;
  /** The allowed teams (as configured) the actor is an active member of. */
  readonly actorTeams?: readonly string[] | undefined;
  /** `production.requireChecks`, each evaluated on the commit (src/core/required-checks.ts). */
  readonly requiredChecks?: readonly RequiredCheckResult[] | undefined;
}

export type CriterionKey = "on-default-branch" | "staging-success" | "allowed-tag" | "allowed-actor" | "required-check";

export interface UnmetCriterion {
  readonly criterion: CriterionKey;
  /** What is wrong, in a sentence. */
  readonly message: string;
  /** What to do about it. */
  readonly fix: string;
}

export type PromotionDecision = { readonly allowed: true } | { readonly allowed: false; readonly unmet: readonly UnmetCriterion[] };

/** Which facts the criteria need, so the adapter asks GitHub only for those. */
export function factsNeeded(criteria: PromotionCriteria): { reachability: boolean; staging: boolean; teams: readonly string[]; checks: boolean } {
  return {
    reachability: criteria.requireOnDefaultBranch,
    staging: criteria.requireStagingSuccess,
    teams: criteria.allowedActors?.teams ?? [],
    checks: (criteria.requiredChecks ?? []).length > 0,
  };
}

/**
 * May this commit, under this tag, be promoted to production? Every unmet criterion is listed (not
 * only the first), so one failed check run says everything there is to fix. A fact the criteria need
 * but that is missing counts as unmet: the decision fails closed.
 */
export function evaluatePromotion(criteria: PromotionCriteria, facts: PromotionFacts): PromotionDecision {
  const unmet: UnmetCriterion[] = [];
  const short = facts.commit.slice(0, 12);

  if (criteria.allowedTags !== undefined && !matchesAny(facts.tag, criteria.allowedTags)) {
    unmet.push({
      criterion: "allowed-tag",
      message: facts.tag
        ? `tag \`${facts.tag}\` does not match \`production.allowedTags\` (${criteria.allowedTags.map((p) => `\`${p}\``).join(", ")})`
        : `no release tag points at commit \`${short}\`, so \`production.allowedTags\` cannot be checked`,
      fix: "Tag the release with a name that matches `production.allowedTags`.",
    });
  }

  if (criteria.requireOnDefaultBranch) {
    const reachability = facts.reachability;
    if (reachability !== "reachable") {
      unmet.push({
        criterion: "on-default-branch",
        message:
          reachability === "unknown-commit"
            ? `GitHub does not know commit \`${short}\` in this repository, so it cannot be on \`${facts.defaultBranch}\``
            : reachability === undefined
              ? `whether commit \`${short}\` is on \`${facts.defaultBranch}\` could not be determined`
              : `commit \`${short}\` is not on the default branch \`${facts.defaultBranch}\` (it has not been merged)`,
        fix: `Merge the change into \`${facts.defaultBranch}\`, then tag a commit of \`${facts.defaultBranch}\`.`,
      });
    }
  }

  if (criteria.requireStagingSuccess) {
    const staging = facts.staging;
    if (staging?.kind !== "succeeded") {
      unmet.push({
        criterion: "staging-success",
        message: stagingMessage(staging, short),
        fix:
          staging?.kind === "running"
            ? "Wait for staging to finish, then press Re-run on this check."
            : `Deploy this exact commit to staging (push it to \`${facts.defaultBranch}\`) and let it succeed, then press Re-run on this check.`,
      });
    }
  }

  const actors = criteria.allowedActors;
  if (actors !== undefined) {
    const who = facts.actor?.toLowerCase() ?? null;
    const listed = who !== null && actors.users.includes(who);
    const inTeam = who !== null && (facts.actorTeams ?? []).some((t) => actors.teams.includes(t.toLowerCase()));
    if (!listed && !inTeam) {
      const allowed = [...actors.users.map((u) => `@${u}`), ...actors.teams.map((t) => `team \`${t}\``)];
      unmet.push({
        criterion: "allowed-actor",
        message:
          who === null
            ? "no person asked for this release (branchline found the tag itself), and `production.allowedActors` says who may"
            : `@${who} may not promote to production: \`production.allowedActors\` allows ${allowed.length > 0 ? allowed.join(", ") : "no one"}`,
        fix: "Someone allowed by `production.allowedActors` can press Re-run on this check (or push the tag).",
      });
    }
  }

  const required = criteria.requiredChecks ?? [];
  if (required.length > 0) {
    const results = facts.requiredChecks;
    if (results === undefined) {
      unmet.push({
        criterion: "required-check",
        message: `whether the required checks (\`production.requireChecks\`) passed on commit \`${short}\` could not be determined`,
        fix: "Press Re-run on this check once GitHub answers again.",
      });
    } else {
      for (const result of results.filter((r) => !r.met)) {
        unmet.push({
          criterion: "required-check",
          message: `required ${result.label} ${result.detail} on commit \`${short}\``,
          fix: "Let that check pass on this exact commit (only the named App's or context's own result counts), then press Re-run on this check.",
        });
      }
    }
  }

  return unmet.length === 0 ? { allowed: true } : { allowed: false, unmet };
}

function stagingMessage(staging: StagingEvidence | undefined, short: string): string {
  switch (staging?.kind) {
    case undefined:
      return `whether staging ran commit \`${short}\` could not be determined`;
    case "none":
      return `staging has not run commit \`${short}\` (no \`branchline: staging\` check run on it)`;
    case "running":
      return `staging is still running commit \`${short}\``;
    case "concluded":
      return `staging's run of commit \`${short}\` concluded \`${staging.conclusion}\`, not success`;
    case "succeeded":
      return "";
  }
}

/** GitHub's compare status of `default...commit`: `behind` or `identical` means the commit is on the default branch. */
export function reachabilityFromCompare(status: string | null): Reachability {
  if (status === null) return "unknown-commit";
  return status === "behind" || status === "identical" ? "reachable" : "not-reachable";
}

/** The latest `branchline: staging` check run on the commit, as evidence. */
export function stagingEvidence(run: { readonly status: string; readonly conclusion: string | null } | null): StagingEvidence {
  if (run === null) return { kind: "none" };
  if (run.status !== "completed") return { kind: "running" };
  return run.conclusion === "success" ? { kind: "succeeded" } : { kind: "concluded", conclusion: run.conclusion ?? "unknown" };
}

// ---- approvals ---------------------------------------------------------------------------------------

export interface ApproverRules {
  readonly users: readonly string[];
  readonly teams: readonly string[];
  readonly minimumPermission?: PermissionLevel | undefined;
}

/** The role that qualifies by itself: as configured, else `maintain` when no one is listed, else none. */
export function effectiveMinimumPermission(rules: ApproverRules): PermissionLevel | null {
  if (rules.minimumPermission !== undefined) return rules.minimumPermission;
  return rules.users.length === 0 && rules.teams.length === 0 ? "maintain" : null;
}

export interface ApproverFacts {
  readonly user: string;
  /** The user's role on the repository as GitHub says now (`none` without access). */
  readonly role: string;
  /** The configured approver teams the user is an active member of. */
  readonly teams: readonly string[];
}

export type ApprovalVerdict = { readonly allowed: true; readonly as: string } | { readonly allowed: false; readonly why: string };

/** May this person answer the approval? Listed user, member of a listed team, or role at least the minimum. */
export function mayApprove(rules: ApproverRules, facts: ApproverFacts): ApprovalVerdict {
  const user = facts.user.toLowerCase();
  // Without read access no one answers for a repository, whatever a list says.
  if (!hasPermission(facts.role, "read")) return { allowed: false, why: `@${facts.user} has no access to this repository` };
  if (rules.users.includes(user)) return { allowed: true, as: "a listed approver" };
  const team = facts.teams.find((t) => rules.teams.includes(t.toLowerCase()));
  if (team !== undefined) return { allowed: true, as: `a member of team \`${team}\`` };
  const minimum = effectiveMinimumPermission(rules);
  if (minimum !== null && hasPermission(facts.role, minimum)) return { allowed: true, as: `a person with the ${facts.role} role` };
  return { allowed: false, why: `@${facts.user} is not an approver: ${describeApprovers(rules)} (they have the ${facts.role} role)` };
}

/** "approvers are @a, team `t`, or anyone with the maintain role or higher" */
export function describeApprovers(rules: ApproverRules): string {
  const minimum = effectiveMinimumPermission(rules);
  const parts = [...rules.users.map((u) => `@${u}`), ...rules.teams.map((t) => `team \`${t}\``)];
  if (minimum !== null) parts.push(`anyone with the **${minimum}** role or higher`);
  return parts.length === 0 ? "no one may approve" : `approvers are ${joinOr(parts)}`;
}

function joinOr(parts: readonly string[]): string {
  if (parts.length <= 1) return parts.join("");
  return `${parts.slice(0, -1).join(", ")} or ${parts.at(-1)}`;
}

// ---- failure policy ----------------------------------------------------------------------------------

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
export function rollbackCandidates(ledger: readonly LedgerEntry[], failedCommit: string): readonly LedgerEntry[] | { readonly why: string } {
  const newest = ledger[0];
  if (newest !== undefined && newest.commit !== failedCommit) {
    return { why: `a newer deployment (commit \`${newest.commit.slice(0, 12)}\`) has started since; it is not rolled back` };
  }
  const seen = new Set<string>();
  const good = ledger.filter((entry) => {
    if (entry.commit === failedCommit || !entry.states.includes("success") || seen.has(entry.commit)) return false;
    seen.add(entry.commit);
    return true;
  });
  return good.length > 0 ? good : { why: "no earlier deployment of this environment ever succeeded" };
}
