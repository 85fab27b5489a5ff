import { hasApprovalAction } from "../aws/approvals.js";
import { abandonCreationRuns } from "../aws/creation-runs.js";
import { startRun } from "../aws/pipelines.js";
import { StackOperationFailed, TemplateRejected } from "../aws/stacks.js";
import { productionPolicy, CONFIG_PATH, type BranchlineConfig } from "../config/schema.js";
import type { Environment } from "../core/environment.js";
import { environmentNames, type EnvironmentNames } from "../core/naming.js";
import { namesOf } from "./environment-names.js";
import { DEFAULT_SOURCE_ACTION_NAME } from "../core/parameters.js";
import type { StackInputs } from "../core/stack-inputs.js";
import { EnvironmentCheck } from "../report/environment-check.js";
import type { EnvironmentTarget, Problem } from "../report/environment-report.js";
import { ObservedRun } from "../report/observed-run.js";
import type { InstallationOctokit } from "../github/octokit.js";
import { approversText } from "./approvals.js";
import { convergeStack } from "./converge-stack.js";
import { desiredStack, fileProblem } from "./desired-stack.js";
import { promotionVerdict } from "./promotion-gate.js";
import { behindProduction } from "./release-order.js";
import { requestToken, runActor, type RefJob } from "./ref-job.js";
import type { RunFollower } from "./run-follower.js";
import { runHooks } from "./run-hooks.js";
import { awsFor, type Runtime } from "./runtime.js";

export interface DeployRequest {
  readonly job: RefJob;
  readonly octokit: InstallationOctokit;
  readonly config: BranchlineConfig;
  readonly environment: Environment;
  readonly commit: string;
  /** This deploy redeploys the last good commit after `fromCommit` failed: no promotion criteria, a fresh check run and deployment. */
  readonly rollback?: { readonly fromCommit: string };
}

/**
 * Brings an environment to a commit: its stack built from the template at that commit, then one
 * pipeline run for exactly that commit, reported on the commit's check run from start to end.
 */
export async function deployEnvironment(
  runtime: Runtime,
  follower: RunFollower,
  request: DeployRequest,
): Promise<void> {
  const { job, octokit, config, environment, commit } = request;
  // A release tag asks to promote; the criteria decide before AWS is touched at all, even to find
  // the stack's name (a refusal names the stack as it would be made).
  const verdict =
    environment.kind === "production" && !request.rollback
      ? await promotionVerdict(runtime, { job, octokit, config, environment, commit })
      : null;
  const refused = verdict?.problem ?? null;
  const computed = environmentNames(config.stackPrefix, job.repo, environment);
  const actor = runActor(job);
  const targetWith = (names: EnvironmentNames): EnvironmentTarget => ({
    repo: job.repo,
    environment,
    commit,
    names,
    region: runtime.aws.region,
    sandbox: runtime.sandbox,
    approvers: approversText(config, environment),
    ...(request.rollback ? { rollback: request.rollback } : {}),
    ...(verdict?.requiredChecks ? { requiredChecks: verdict.requiredChecks } : {}),
    ...(actor !== null ? { actor } : {}),
  });
  let names = computed;
  try {
    if (!refused) names = await namesOf(runtime, config.stackPrefix, job.repo, environment);
  } catch (error) {
    // AWS failed us before the stack was even found: the developer still hears of it on the commit.
    const failed = {
      kind: "failed",
      problem: { kind: "error", message: `branchline could not finish: ${describeError(error)}` },
    } as const;
    await EnvironmentCheck.open(
      octokit,
      targetWith(computed),
      await runtime.promotion?.appId(),
      runtime.outbox?.lane(job.installationId),
    )
      .then((check) => check.show(failed))
      .catch(() => {});
    throw error;
  }
  const target = targetWith(names);
  // A button press asks for a new run even where one exists, and a rollback redeploys a commit that
  // had one: each gets a check run of its own.
  const lane = runtime.outbox?.lane(job.installationId);
  const check = asksForNewRun(job)
    ? EnvironmentCheck.fresh(octokit, target, lane)
    : await EnvironmentCheck.open(octokit, target, await runtime.promotion?.appId(), lane);
  if (check.existing?.externalId) {
    if (job.cause.kind === "follow") {
      await followOnly(runtime, request, names);
      return;
    }
    // This commit already has a run in this environment (a redelivery, or create and push of one ref).
    runtime.log.info(
      { stack: names.stack, commit, executionId: check.existing.externalId },
      "commit already has a run; nothing to do",
    );
    return;
  }
  // A tag that meets the criteria still may not take production back to an older release (a person's Re-run may).
  const holdBack =
    refused ??
    (verdict && job.cause.kind !== "button" ? await behindProduction(runtime, octokit, job.repo, names, commit) : null);
  if (holdBack) {
    await check.show({ kind: "failed", problem: holdBack });
    return;
  }
  await check.show({ kind: "queued", why: "Reading the pipeline template." });

  let problem: Problem | null;
  try {
    problem = await provision(runtime, follower, request, check);
  } catch (error) {
    // AWS or GitHub failed us (after the SDK's own retries): say so where the developer looks.
    await check
      .show({
        kind: "failed",
        problem: { kind: "error", message: `branchline could not finish: ${describeError(error)}` },
      })
      .catch(() => {});
    throw error;
  }
  if (problem) await check.show({ kind: "failed", problem });
}

/** An error as a person should read it: the service's code and message, no stack trace. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { name?: string; Code?: string }).Code ?? error.name;
    return code && code !== "Error" ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

async function provision(
  runtime: Runtime,
  follower: RunFollower,
  request: DeployRequest,
  check: EnvironmentCheck,
): Promise<Problem | null> {
  const { job, octokit, config, environment, commit } = request;
  const names = check.target.names;
  const desired = await desiredStackOf(runtime, request, names);
  if ("problem" in desired) return desired.problem;

  let converged;
  let created = false;
  try {
    converged = await convergeStack(
      runtime,
      { repo: job.repo, environment, names, deliveryId: job.deliveryId },
      desired.inputs,
      {
        planned: async (steps) => {
          created ||= steps.some((step) => step.kind === "create");
          // Only a run left to start: the "running" update follows at once, so this one is not worth a write.
          if (steps.length > 1 || steps[0]?.kind !== "start-run")
            await check.show({ kind: "provisioning", next: steps });
        },
        applied: (description, changes) => check.record(description, changes),
      },
      { replace: job.cause.kind === "button" && job.cause.action === "reprovision" && environment.kind === "branch" },
    );
  } catch (error) {
    if (error instanceof StackOperationFailed) return { kind: "stack", message: error.message, events: error.events };
    if (error instanceof TemplateRejected) {
      return fileProblem(
        "CloudFormation rejected the template",
        [{ file: config.template, line: 1, column: 1, message: error.message }],
        "Fix the template (or the parameters in the config) and push again. Nothing was changed in AWS.",
      ).problem;
    }
    throw error;
  }
  switch (converged.kind) {
    case "refused":
      return { kind: "refused", message: converged.why };
    case "gone":
      return { kind: "error", message: `stack ${names.stack} was not there after it was created` };
    case "ready-to-run":
      break;
  }
  const outputs = converged.stack.outputs;
  // branchline names every pipeline itself. The output is the template's word: a branch's template
  // could name staging's or production's pipeline and have it run (or approved) at the branch's commit.
  const pipeline = names.pipeline;
  if (outputs.PipelineName !== undefined && outputs.PipelineName !== pipeline) {
    return {
      kind: "refused",
      message: `stack ${names.stack} outputs \`PipelineName\` = \`${outputs.PipelineName}\`, but this environment's pipeline is \`${pipeline}\`; branchline starts only the pipeline it named, so no run was started. Name the pipeline after the \`BranchlinePipelineName\` parameter in \`${config.template}\` (\`Name: !Ref BranchlinePipelineName\`) and output it.`,
    };
  }
  const approvalRequired = environment.kind === "production" && productionPolicy(config).approval.required;
  const withApproval =
    approvalRequired || created
      ? await hasApprovalAction(awsFor(runtime, environment.kind).codepipeline, pipeline)
      : false;
  if (approvalRequired && !withApproval) {
    return {
      kind: "refused",
      message: `\`production.approval.required\` is set in \`${CONFIG_PATH}\`, but pipeline ${pipeline} has no manual approval action, so no run was started. Add an Approval stage to \`${config.template}\` (templates/pipeline.yml has one under the IsProduction condition).`,
    };
  }
  if (created && withApproval) {
    // The run CodePipeline starts by itself on creation would hold the approval stage forever, with
    // ours queued behind it (and it is of an unpinned commit): abandon it.
    const stopped = await abandonCreationRuns(awsFor(runtime, environment.kind).codepipeline, pipeline);
    if (stopped.length > 0)
      check.record(
        `Stopped the run CodePipeline starts by itself on creation (${stopped.join(", ")}): branchline runs only commits it was asked to`,
      );
  }
  const { executionId, claimed } = await follower.start(pipeline, () =>
    startRun(awsFor(runtime, environment.kind).codepipeline, {
      pipeline,
      sourceAction: outputs.SourceActionName ?? DEFAULT_SOURCE_ACTION_NAME,
      commit,
      token: runToken(job, names.stack, commit, desired.inputs),
    }),
  );
  if (!claimed) {
    runtime.log.info({ pipeline, executionId }, "the run is reported already; nothing more to do");
    return null;
  }
  try {
    check.record(`Started pipeline ${pipeline} for commit \`${commit.slice(0, 12)}\``);
    await check.show({ kind: "running", pipeline, executionId });
    const run = new ObservedRun(
      octokit,
      check,
      pipeline,
      executionId,
      outputs.EnvironmentUrl,
      (error, what) => runtime.log.warn({ err: error, pipeline, executionId }, what),
      runHooks(runtime, { job, octokit, config, environment }),
    );
    const rollback = check.target.rollback;
    await run.started(
      rollback ? `rollback after ${rollback.fromCommit.slice(0, 12)} failed` : `delivery ${job.deliveryId}`,
      { fresh: true },
    );
    follower.follow(run);
  } catch (error) {
    // Nothing follows the run: let the next event or reconcile pass take it up.
    follower.release(pipeline, executionId);
    throw error;
  }
  return null;
}

/**
 * The run's request token. A ref event's run is one per environment, commit and inputs, whatever
 * delivery asked for it: a redelivery, a create and push pair, or a reconcile after a crash all
 * get the same execution back. A button press or a rollback asks for a new run, so its own delivery
 * roots the token.
 */
function runToken(job: RefJob, stack: string, commit: string, inputs: StackInputs): string {
  if (asksForNewRun(job)) return requestToken(job.deliveryId, "run");
  return requestToken(`${stack}-${commit}-${inputs.templateHash}-${inputs.parametersHash}`, "run");
}

/** A button press or a rollback asks for a run of its own; every other cause for the commit's one run. */
function asksForNewRun(job: RefJob): boolean {
  return job.cause.kind === "button" || job.cause.kind === "rollback";
}

/**
 * The repository changed under the environment (renamed, transferred, a new default branch) and the
 * commit already ran here: the stack is brought to the commit's inputs (which name the repository
 * and the branch its source reads), and no second run starts. There is no new check run to report
 * on, so the log says what happened.
 */
async function followOnly(runtime: Runtime, request: DeployRequest, names: EnvironmentNames): Promise<void> {
  const { job, environment, commit } = request;
  const log = runtime.log.child({ stack: names.stack, commit });
  const desired = await desiredStackOf(runtime, request, names);
  if ("problem" in desired) {
    log.warn(
      { problem: desired.problem },
      "the stack cannot follow the repository: the template or parameters at its commit have a problem",
    );
    return;
  }
  const applied: string[] = [];
  const result = await convergeStack(
    runtime,
    { repo: job.repo, environment, names, deliveryId: job.deliveryId },
    desired.inputs,
    { applied: (description) => void applied.push(description) },
  );
  log.info({ result: result.kind, applied }, "stack follows the repository; its commit had run already");
}

/** The stack the branch's files ask for at the request's commit, as the runtime reads templates. */
function desiredStackOf(
  runtime: Runtime,
  { job, octokit, config, environment, commit }: DeployRequest,
  names: EnvironmentNames,
) {
  return desiredStack({
    octokit,
    repo: job.repo,
    defaultBranch: job.defaultBranch,
    config,
    environment,
    names,
    commit,
    templates: runtime.templates,
    requireRole: runtime.requireRoles ?? false,
  });
}
