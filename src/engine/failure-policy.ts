import type { BranchlineConfig } from "../config/schema.js";
import { environmentLabel, type Environment } from "../core/environment.js";
import { evaluatePromotion, type PromotionCriteria } from "../core/promotion.js";
import { rollbackCandidates, type RollbackTarget } from "../core/run-failure.js";
import type { InstallationOctokit } from "../github/octokit.js";
import { deploymentLedger, reachabilityOf, stagingEvidenceOf } from "../github/promotion-facts.js";
import { promotionCriteria } from "./promotion-gate.js";
import type { RefJob } from "./ref-job.js";
import type { Runtime } from "./runtime.js";

/** How many good releases are held to the criteria before a rollback gives up (each costs GitHub reads). */
const MAX_CANDIDATES = 5;

/**
 * The last good release of an environment a rollback may go to. Only deployments branchline's own
 * App created count (anyone with write access can create one, with a `success` status, for any
 * commit), and the target must meet what a release of that environment must meet now: for
 * production the configured criteria on the default branch and staging's success, for staging
 * being on the default branch. Otherwise a rollback would deploy, with the environment's role, a
 * commit that could never have been released.
 */
export async function rollbackTarget(
  runtime: Runtime,
  octokit: InstallationOctokit,
  job: Pick<RefJob, "repo" | "defaultBranch">,
  config: BranchlineConfig,
  environment: Environment,
  failedCommit: string,
): Promise<RollbackTarget> {
  const appId = await runtime.promotion?.appId();
  if (appId === undefined)
    return { kind: "none", why: "branchline does not know its own App id, so no deployment can be trusted as its own" };
  const ledger = await deploymentLedger(octokit, job.repo, environmentLabel(environment), appId);
  const candidates = rollbackCandidates(ledger, failedCommit);
  if ("why" in candidates) return { kind: "none", why: candidates.why };
  const criteria = rollbackCriteria(config, environment);
  const refusals: string[] = [];
  for (const candidate of candidates.slice(0, MAX_CANDIDATES)) {
    const [reachability, staging] = await Promise.all([
      criteria.requireOnDefaultBranch
        ? reachabilityOf(octokit, job.repo, job.defaultBranch, candidate.commit)
        : undefined,
      criteria.requireStagingSuccess ? stagingEvidenceOf(octokit, job.repo, candidate.commit, appId) : undefined,
    ]);
    const decision = evaluatePromotion(criteria, {
      tag: "",
      commit: candidate.commit,
      defaultBranch: job.defaultBranch,
      actor: null,
      reachability,
      staging,
      actorTeams: [],
    });
    if (decision.allowed) return { kind: "redeploy", commit: candidate.commit, deploymentId: candidate.deploymentId };
    refusals.push(`\`${candidate.commit.slice(0, 12)}\`: ${decision.unmet.map((u) => u.message).join("; ")}`);
  }
  return { kind: "none", why: `no earlier good release meets the release criteria now (${refusals.join(" · ")})` };
}

/** What a rollback target must meet: a release's criteria, without the tag and actor ones (a rollback has neither). */
function rollbackCriteria(config: BranchlineConfig, environment: Environment): PromotionCriteria {
  switch (environment.kind) {
    case "production": {
      const { requireOnDefaultBranch, requireStagingSuccess } = promotionCriteria(config);
      return { requireOnDefaultBranch, requireStagingSuccess };
    }
    case "staging":
      return { requireOnDefaultBranch: true, requireStagingSuccess: false };
    case "branch":
      return { requireOnDefaultBranch: false, requireStagingSuccess: false };
  }
}

/**
 * The job that redeploys `toCommit` after `failedExecutionId` failed. It waits in the environment's
 * lane like any push (so it never races one on the stack), and its delivery id comes from the failed
 * execution: the same failure seen twice starts one rollback.
 */
export function rollbackJob(
  from: Pick<RefJob, "installationId" | "repo" | "defaultBranch">,
  environment: Environment,
  failed: { commit: string; executionId: string },
  toCommit: string,
): RefJob {
  return {
    deliveryId: `rollback-${failed.executionId}`,
    installationId: from.installationId,
    repo: from.repo,
    defaultBranch: from.defaultBranch,
    event: {
      kind: "updated",
      ref:
        environment.kind === "production"
          ? { type: "tag", name: environment.tag }
          : { type: "branch", name: environment.branch },
      commit: toCommit,
    },
    cause: { kind: "rollback", environment, failedCommit: failed.commit, failedExecutionId: failed.executionId },
    supersedes: [],
  };
}
