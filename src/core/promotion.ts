import { matchesAny } from "./glob.js";
import type { RequiredCheck, RequiredCheckResult } from "./required-checks.js";

/**
 * Promotion to production, as pure decisions over facts gathered elsewhere (src/github/promotion-facts.ts):
 * may this release tag deploy. Who may answer the pipeline's approval is core/approvers.ts, what
 * happens when a run fails core/run-failure.ts. Nothing here talks to GitHub or AWS.
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

export type PromotionDecision =
  { readonly allowed: true } | { readonly allowed: false; readonly unmet: readonly UnmetCriterion[] };

/** Which facts the criteria need, so the adapter asks GitHub only for those. */
export function factsNeeded(criteria: PromotionCriteria): {
  reachability: boolean;
  staging: boolean;
  teams: readonly string[];
  checks: boolean;
} {
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
export function stagingEvidence(
  run: { readonly status: string; readonly conclusion: string | null } | null,
): StagingEvidence {
  if (run === null) return { kind: "none" };
  if (run.status !== "completed") return { kind: "running" };
  return run.conclusion === "success"
    ? { kind: "succeeded" }
    : { kind: "concluded", conclusion: run.conclusion ?? "unknown" };
}
