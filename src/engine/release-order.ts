import { pipelineActivity } from "../aws/managed-stacks.js";
import type { RepositoryRef } from "../core/environment.js";
import type { EnvironmentNames } from "../core/naming.js";
import type { Problem } from "../report/environment-report.js";
import type { InstallationOctokit } from "../github/octokit.js";
import { isBehind } from "../github/promotion-facts.js";
import { awsFor, type Runtime } from "./runtime.js";

/**
 * Production never goes back to an older release because a tag says so. A release tag on a commit
 * that is behind the commit of production's newest run (in its history: deploying it would undo
 * what runs there) is refused, whether the tag is new or a late delivery. Going back on purpose is
 * a person's decision (Re-run on the older release's check run) or the failure policy's rollback;
 * neither comes here.
 *
 * The newest run is AWS's word (the pipeline's executions, pinned to their commits), not GitHub's
 * deployments, which may still be waiting in the outbox.
 */
export async function behindProduction(
  runtime: Runtime,
  octokit: InstallationOctokit,
  repo: RepositoryRef,
  names: EnvironmentNames,
  commit: string,
): Promise<Problem | null> {
  const current = (await pipelineActivity(awsFor(runtime, "production").codepipeline, names.pipeline)).lastRunCommit;
  if (!current || current === commit) return null;
  if (!(await isBehind(octokit, repo, commit, current))) return null;
  return {
    kind: "refused",
    message: [
      `Production's newest run is of commit \`${current.slice(0, 12)}\`, which already contains this commit: deploying this tag would take production back to an older release, so nothing was started.`,
      "To release a fix, tag a newer commit. To go back on purpose, press **Re-run** on the older release's production check run.",
    ].join(" "),
  };
}
