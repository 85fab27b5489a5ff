import { environmentLabel, type Environment } from "../core/environment.js";
import { lastGoodRelease, type RollbackTarget } from "../core/promotion.js";
import type { InstallationOctokit } from "../github/octokit.js";
import { deploymentLedger } from "../github/promotion-facts.js";
import type { RefJob } from "./ref-job.js";

/** The last good release of an environment, from GitHub's deployment ledger, if a rollback may go to it. */
export async function rollbackTarget(octokit: InstallationOctokit, job: Pick<RefJob, "repo">, environment: Environment, failedCommit: string): Promise<RollbackTarget> {
  const ledger = await deploymentLedger(octokit, job.repo, environmentLabel(environment));
  return lastGoodRelease(ledger, failedCommit);
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
      ref: environment.kind === "production" ? { type: "tag", name: environment.tag } : { type: "branch", name: environment.branch },
      commit: toCommit,
    },
    cause: { kind: "rollback", environment, failedCommit: failed.commit, failedExecutionId: failed.executionId },
    supersedes: [],
  };
}
