import { BRANCHLINE_TRIGGER } from "../aws/managed-stacks.js";
import { RunReader } from "../aws/run-details.js";
import { describeStack } from "../aws/stacks.js";
import type { EnvironmentSlug, PipelineName, StackName } from "../core/naming.js";
import { environmentFromTags, repositoryFromTags } from "../core/tags.js";
import { EnvironmentCheck } from "../github/environment-check.js";
import { EnvironmentRun } from "../github/environment-run.js";
import type { RunFollower } from "./run-follower.js";
import type { Runtime } from "./runtime.js";

/**
 * Takes up the reporting of a run this process did not start (or started before a restart): the
 * stack's tags say whose environment it is, the execution says which commit, GitHub holds the check
 * run. Nothing is kept in memory that AWS and GitHub do not also hold.
 */
export async function resumeRun(runtime: Runtime, follower: RunFollower, pipeline: string, executionId: string): Promise<"following" | "reported" | "not-ours"> {
  if (follower.isFollowing(pipeline, executionId)) return "following";
  // branchline names a pipeline after its stack (BranchlinePipelineName).
  const stack = await describeStack(runtime.aws.cloudformation, pipeline as StackName);
  const environment = stack ? environmentFromTags(stack.tags) : null;
  const repo = stack ? repositoryFromTags(stack.tags) : null;
  if (!stack || !environment || !repo) return "not-ours";
  const installationId = await runtime.installationOf(repo);
  if (installationId === null) return "not-ours";
  const octokit = await runtime.octokitFor(installationId);
  const details = await new RunReader(runtime.aws.codepipeline).read(pipeline, executionId);
  if (!details.commit || details.trigger !== BRANCHLINE_TRIGGER) return "not-ours";
  const check = await EnvironmentCheck.open(octokit, {
    repo,
    environment,
    commit: details.commit,
    names: { stack: stack.name as StackName, pipeline: pipeline as PipelineName, slug: (stack.parameters.BranchlineEnvironment ?? "") as EnvironmentSlug },
    region: runtime.aws.region,
    sandbox: runtime.sandbox,
  }, await runtime.promotion?.appId());
  if (check.existing?.externalId === executionId && check.existing.status === "completed") return "reported";
  const run = new EnvironmentRun(octokit, check, pipeline, executionId, stack.outputs.EnvironmentUrl, (error, what) =>
    runtime.log.warn({ err: error, pipeline, executionId }, what),
  );
  if (details.status === "InProgress" || details.status === "Stopping") {
    await run.started("resumed");
    follower.follow(run);
    return "following";
  }
  await run.started("resumed");
  await run.finished(details);
  return "reported";
}

// The stack tags' decoders live beside their encoders in core/tags.ts.
export { environmentFromTags, repositoryFromTags } from "../core/tags.js";
