import { ListPipelineExecutionsCommand } from "@aws-sdk/client-codepipeline";
import type { RepositoryRef } from "../core/environment.js";
import type { EnvironmentNames } from "../core/naming.js";
import type { Problem } from "../report/environment-report.js";
import type { InstallationOctokit } from "../github/octokit.js";
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
  const current = await newestRunCommit(runtime, names);
  if (current === null || current === commit) return null;
  let status: string;
  try {
    const compared = await octokit.rest.repos.compareCommitsWithBasehead({
      owner: repo.owner,
      repo: repo.name,
      basehead: `${current}...${commit}`,
      per_page: 1,
    });
    status = compared.data.status;
  } catch (error) {
    // A commit GitHub no longer has (a force-pushed history) cannot be said to be behind.
    if ((error as { status?: number }).status === 404) return null;
    throw error;
  }
  if (status !== "behind") return null;
  return {
    kind: "refused",
    message: [
      `Production's newest run is of commit \`${current.slice(0, 12)}\`, which already contains this commit: deploying this tag would take production back to an older release, so nothing was started.`,
      "To release a fix, tag a newer commit. To go back on purpose, press **Re-run** on the older release's production check run.",
    ].join(" "),
  };
}

/** The commit of the newest run branchline started in the environment's pipeline; null without a pipeline or a run. */
async function newestRunCommit(runtime: Runtime, names: EnvironmentNames): Promise<string | null> {
  try {
    const page = await awsFor(runtime, "production").codepipeline.send(
      new ListPipelineExecutionsCommand({ pipelineName: names.pipeline, maxResults: 20 }),
    );
    const pinned = (page.pipelineExecutionSummaries ?? []).find(
      (run) => run.trigger?.triggerType === "StartPipelineExecution" && run.sourceRevisions?.[0]?.revisionId,
    );
    return pinned?.sourceRevisions?.[0]?.revisionId ?? null;
  } catch (error) {
    if ((error as { name?: string }).name === "PipelineNotFoundException") return null;
    throw error;
  }
}
