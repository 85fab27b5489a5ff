import { BRANCHLINE_TRIGGER } from "../aws/managed-stacks.js";
import { RunReader } from "../aws/run-details.js";
import { describeStack } from "../aws/stacks.js";
import type { Environment, RepositoryRef } from "../core/environment.js";
import type { EnvironmentSlug, PipelineName, StackName } from "../core/naming.js";
import { environmentFromTags, repositoryFromTags } from "../core/tags.js";
import { EnvironmentCheck } from "../report/environment-check.js";
import { ObservedRun, type RunHooks } from "../report/observed-run.js";
import type { InstallationOctokit } from "../github/octokit.js";
import { readConfig } from "../config/config-cache.js";
import type { RefJob } from "./ref-job.js";
import { runHooks } from "./run-hooks.js";
import type { RunFollower } from "./run-follower.js";
import { ownAppId, type Runtime } from "./runtime.js";

/**
 * Takes up the reporting of a run this process did not start (or started before a restart): the
 * stack's tags say whose environment it is, the execution says which commit, GitHub holds the check
 * run and the deployment. Nothing is kept in memory that AWS and GitHub do not also hold. The run
 * gets the same lifecycle as one started here: its one check run, its one deployment, and the same
 * hooks (notifications, the failure policy). Single flight: while one taking-up of an execution is
 * under way, every other announcement of it is a nudge.
 */
export async function resumeRun(
  runtime: Runtime,
  follower: RunFollower,
  pipeline: string,
  executionId: string,
): Promise<"following" | "reported" | "not-ours"> {
  // A start in flight on this pipeline claims its execution when it returns: wait for it.
  await follower.startsSettled(pipeline);
  if (!follower.claim(pipeline, executionId)) {
    follower.nudge(pipeline, executionId);
    return "following";
  }
  let outcome: "following" | "reported" | "not-ours" = "not-ours";
  try {
    outcome = await takeUp(runtime, follower, pipeline, executionId);
    return outcome;
  } finally {
    if (outcome !== "following") follower.release(pipeline, executionId);
  }
}

async function takeUp(
  runtime: Runtime,
  follower: RunFollower,
  pipeline: string,
  executionId: string,
): Promise<"following" | "reported" | "not-ours"> {
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
  const check = await EnvironmentCheck.open(
    octokit,
    {
      repo,
      environment,
      commit: details.commit,
      names: {
        stack: stack.name as StackName,
        pipeline: pipeline as PipelineName,
        slug: (stack.parameters.BranchlineEnvironment ?? "") as EnvironmentSlug,
      },
      region: runtime.aws.region,
      sandbox: runtime.sandbox,
    },
    await ownAppId(runtime),
    runtime.outbox?.lane(installationId),
  );
  if (check.existing?.externalId === executionId && check.existing.status === "completed") return "reported";
  const warn = (error: unknown, what: string) => runtime.log.warn({ err: error, pipeline, executionId }, what);
  const run = new ObservedRun(
    octokit,
    check,
    pipeline,
    executionId,
    stack.outputs.EnvironmentUrl,
    warn,
    await hooksFor(runtime, octokit, installationId, repo, environment),
  );
  await run.started("resumed", { fresh: false, appId: await ownAppId(runtime) });
  if (details.status === "InProgress" || details.status === "Stopping") {
    follower.follow(run);
    return "following";
  }
  await run.finished(details);
  return "reported";
}

// The stack tags' decoders live beside their encoders in core/tags.ts.
export { environmentFromTags, repositoryFromTags } from "../core/tags.js";

/** The hooks of the run's environment, from the repository's config as it is now; none if it has no usable config. */
async function hooksFor(
  runtime: Runtime,
  octokit: InstallationOctokit,
  installationId: number,
  repo: RepositoryRef,
  environment: Environment,
): Promise<RunHooks> {
  const { data } = await octokit.rest.repos.get({ owner: repo.owner, repo: repo.name });
  const defaultBranch = data.default_branch;
  const loaded = await readConfig(runtime.configs, { octokit, installationId, repo, defaultBranch });
  if (loaded.kind !== "valid") return {};
  const job: RefJob = {
    deliveryId: `resume-${installationId}`,
    installationId,
    repo,
    defaultBranch,
    event: {
      kind: "updated",
      ref:
        environment.kind === "production"
          ? { type: "tag", name: environment.tag }
          : { type: "branch", name: environment.branch },
      commit: null,
    },
    cause: { kind: "ref" },
    supersedes: [],
  };
  return runHooks(runtime, { job, octokit, config: loaded.config, environment });
}
