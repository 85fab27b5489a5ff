import { matchesAny } from "../core/glob.js";
import { productionPolicy, type BranchlineConfig } from "../config/schema.js";
import type { Environment } from "../core/environment.js";
import { evaluatePromotion, factsNeeded, type PromotionCriteria } from "../core/promotion.js";
import type { Problem } from "../report/environment-report.js";
import type { InstallationOctokit } from "../github/octokit.js";
import { reachabilityOf, stagingEvidenceOf, tagsAt, teamsOf } from "../github/promotion-facts.js";
import { evaluateRequiredChecks, type RequiredCheck, type RequiredCheckResult } from "../core/required-checks.js";
import { observedChecksOf } from "../github/required-check-facts.js";
import type { RefJob } from "./ref-job.js";
import type { Runtime } from "./runtime.js";

export interface PromotionRequest {
  readonly job: RefJob;
  readonly octokit: InstallationOctokit;
  readonly config: BranchlineConfig;
  readonly environment: Extract<Environment, { kind: "production" }>;
  readonly commit: string;
}

export function promotionCriteria(config: BranchlineConfig): PromotionCriteria {
  const policy = productionPolicy(config);
  return {
    requireOnDefaultBranch: policy.requireOnDefaultBranch,
    requireStagingSuccess: policy.requireStagingSuccess,
    allowedTags: policy.allowedTags,
    allowedActors: policy.allowedActors,
    requiredChecks: requiredChecksOf(config),
  };
}

/** `production.requireChecks` in the core's words. */
export function requiredChecksOf(config: BranchlineConfig): RequiredCheck[] {
  return productionPolicy(config).requireChecks.map((c) =>
    "checkRun" in c
      ? { kind: "check-run" as const, name: c.checkRun, app: c.app }
      : { kind: "status" as const, context: c.status, creator: c.creator },
  );
}

export interface PromotionVerdict {
  /** Null: go ahead; otherwise the problem the production check run shows (and AWS is not touched). */
  readonly problem: Problem | null;
  /** Each `production.requireChecks` entry as evaluated, met or not: the check run lists them either way. */
  readonly requiredChecks?: readonly RequiredCheckResult[];
}

/**
 * May this release deploy? Gathers only the facts the criteria ask for, then lets the pure core
 * decide.
 */
export async function promotionVerdict(runtime: Runtime, request: PromotionRequest): Promise<PromotionVerdict> {
  const { job, octokit, config, commit } = request;
  const criteria = promotionCriteria(config);
  const needed = factsNeeded(criteria);
  const actor = job.cause.kind === "button" ? job.cause.user : (job.actor ?? null);
  const log = runtime.log.child({ delivery: job.deliveryId, commit });

  let tag = request.environment.tag;
  if (!tag && criteria.allowedTags !== undefined) {
    // A Re-run names no tag: the release tags pointing at the commit do.
    const releaseTags = config.releaseTags;
    tag = (await tagsAt(octokit, job.repo, commit)).find((name) => matchesAny(name, releaseTags)) ?? "";
  }
  const appId = runtime.promotion ? await runtime.promotion.appId() : undefined;
  const [reachability, staging, actorTeams, requiredChecks] = await Promise.all([
    needed.reachability ? reachabilityOf(octokit, job.repo, job.defaultBranch, commit) : undefined,
    // Without knowing which App is this one, staging's evidence cannot be trusted: the criterion fails closed.
    needed.staging && appId !== undefined ? stagingEvidenceOf(octokit, job.repo, commit, appId) : undefined,
    actor !== null && needed.teams.length > 0
      ? teamsOf(octokit, job.repo, actor, needed.teams, (team, error) =>
          log.warn({ err: error, team }, "could not read a team membership (the App needs Organization members: read)"),
        )
      : [],
    needed.checks
      ? observedChecksOf(octokit, job.repo, commit, criteria.requiredChecks ?? []).then((observed) =>
          evaluateRequiredChecks(criteria.requiredChecks ?? [], observed),
        )
      : undefined,
  ]);
  const decision = evaluatePromotion(criteria, {
    tag,
    commit,
    defaultBranch: job.defaultBranch,
    actor,
    reachability,
    staging,
    actorTeams,
    requiredChecks,
  });
  const evaluated = requiredChecks ? { requiredChecks } : {};
  if (decision.allowed) return { problem: null, ...evaluated };
  log.info({ unmet: decision.unmet.map((u) => u.criterion), actor, tag }, "promotion to production refused");
  return { problem: { kind: "promotion", unmet: decision.unmet }, ...evaluated };
}
