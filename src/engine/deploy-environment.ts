import { hasApprovalAction } from "../aws/approvals.js";
import { abandonCreationRuns } from "../aws/creation-runs.js";
import { startRun } from "../aws/pipelines.js";
import { templateFit } from "../aws/template-store.js";
import { StackOperationFailed, TemplateRejected } from "../aws/stacks.js";
import { parametersFor, productionPolicy, roleFor, CONFIG_PATH, type BranchlineConfig } from "../config/schema.js";
import type { Environment } from "../core/environment.js";
import { environmentNames, type PipelineName } from "../core/naming.js";
import { DEFAULT_SOURCE_ACTION_NAME } from "../core/parameters.js";
import { stackInputs, type ParameterProblem } from "../core/stack-inputs.js";
import { EnvironmentCheck } from "../github/environment-check.js";
import type { EnvironmentTarget, LocatedMessage, Problem } from "../github/environment-report.js";
import { ObservedRun } from "../github/observed-run.js";
import type { InstallationOctokit } from "../github/octokit.js";
import { readFileAt } from "../github/repository-files.js";
import { readTemplate } from "../templates/template-document.js";
import { approversText } from "./approvals.js";
import { convergeStack } from "./converge-stack.js";
import { promotionProblem } from "./promotion-gate.js";
import { requestToken, type RefJob } from "./ref-job.js";
import type { RunFollower } from "./run-follower.js";
import { runHooks } from "./run-hooks.js";
import type { Runtime } from "./runtime.js";

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
export async function deployEnvironment(runtime: Runtime, follower: RunFollower, request: DeployRequest): Promise<void> {
  const { job, octokit, config, environment, commit } = request;
  const names = environmentNames(config.stackPrefix, job.repo, environment);
  const target: EnvironmentTarget = {
    repo: job.repo,
    environment,
    commit,
    names,
    region: runtime.aws.region,
    sandbox: runtime.sandbox,
    approvers: approversText(config, environment),
    ...(request.rollback ? { rollback: request.rollback } : {}),
  };
  // A button press asks for a new run even where one exists, and a rollback redeploys a commit that
  // had one: each gets a check run of its own.
  const check = job.cause.kind !== "ref" ? EnvironmentCheck.fresh(octokit, target) : await EnvironmentCheck.open(octokit, target);
  if (check.existing?.externalId) {
    // This commit already has a run in this environment (a redelivery, or create and push of one ref).
    runtime.log.info({ stack: names.stack, commit, executionId: check.existing.externalId }, "commit already has a run; nothing to do");
    return;
  }
  if (environment.kind === "production" && !request.rollback) {
    // A release tag asks to promote; the criteria decide before AWS is touched at all.
    const refused = await promotionProblem(runtime, { job, octokit, config, environment, commit });
    if (refused) {
      await check.show({ kind: "failed", problem: refused });
      return;
    }
  }
  await check.show({ kind: "queued", why: "Reading the pipeline template." });

  let problem: Problem | null;
  try {
    problem = await provision(runtime, follower, request, check);
  } catch (error) {
    // AWS or GitHub failed us (after the SDK's own retries): say so where the developer looks.
    await check.show({ kind: "failed", problem: { kind: "error", message: `branchline could not finish: ${describeError(error)}` } }).catch(() => {});
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
  { job, octokit, config, environment, commit }: DeployRequest,
  check: EnvironmentCheck,
): Promise<Problem | null> {
  const names = check.target.names;
  const text = await readFileAt(octokit, job.repo, config.template, commit);
  if (text === null) {
    return fileProblem("Pipeline template not found", [{ file: config.template, line: 1, column: 1, message: "no such file at this commit" }],
      `Add the pipeline template at \`${config.template}\` (templates/pipeline.yml in branchline's repository is a complete one), or set \`template:\` in \`${CONFIG_PATH}\` to where yours is.`);
  }
  const read = readTemplate(text);
  if (!read.ok) {
    return fileProblem("Pipeline template is not valid", read.problems.map((p) => ({ file: config.template, ...p.position, message: p.message })),
      "Fix the template and push again.");
  }
  const fit = templateFit(text, runtime.templates);
  if (fit.kind === "too-large") {
    return fileProblem("Pipeline template is too large", [{ file: config.template, line: 1, column: 1, message: fit.why }], "Nothing was changed in AWS.");
  }
  const built = stackInputs({
    repo: job.repo,
    environment,
    names,
    sourceBranch: environment.kind === "branch" ? environment.branch : job.defaultBranch,
    templateBody: text,
    template: read.template,
    configuredParameters: parametersFor(config, environment.kind),
    roleArn: roleFor(config, environment.kind),
  });
  if (!built.ok) {
    return fileProblem("Parameters do not match the template", built.problems.map((p) => parameterMessage(p, config.template, environment, read.source.locate(["Parameters", p.name]))),
      `Parameters come from \`parameters.all\` and \`parameters.${environment.kind}\` in \`${CONFIG_PATH}\`, and must be declared under \`Parameters:\` in \`${config.template}\`.`);
  }

  let converged;
  let created = false;
  try {
    converged = await convergeStack(runtime, { repo: job.repo, environment, names, deliveryId: job.deliveryId }, built.inputs, {
      planned: (steps) => {
        created ||= steps.some((step) => step.kind === "create");
        return check.show({ kind: "provisioning", next: steps });
      },
      applied: (description, changes) => check.record(description, changes),
    }, { replace: job.cause.kind === "button" && job.cause.action === "reprovision" && environment.kind === "branch" });
  } catch (error) {
    if (error instanceof StackOperationFailed) return { kind: "stack", message: error.message, events: error.events };
    if (error instanceof TemplateRejected) {
      return fileProblem("CloudFormation rejected the template", [{ file: config.template, line: 1, column: 1, message: error.message }],
        "Fix the template (or the parameters in the config) and push again. Nothing was changed in AWS.");
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
  const pipeline = (outputs.PipelineName ?? names.pipeline) as PipelineName;
  const approvalRequired = environment.kind === "production" && productionPolicy(config).approval.required;
  const withApproval = approvalRequired || created ? await hasApprovalAction(runtime.aws.codepipeline, pipeline) : false;
  if (approvalRequired && !withApproval) {
    return {
      kind: "refused",
      message: `\`production.approval.required\` is set in \`${CONFIG_PATH}\`, but pipeline ${pipeline} has no manual approval action, so no run was started. Add an Approval stage to \`${config.template}\` (templates/pipeline.yml has one under the IsProduction condition).`,
    };
  }
  if (created && withApproval) {
    // The run CodePipeline starts by itself on creation would hold the approval stage forever, with
    // ours queued behind it (and it is of an unpinned commit): abandon it.
    const stopped = await abandonCreationRuns(runtime.aws.codepipeline, pipeline);
    if (stopped.length > 0) check.record(`Stopped the run CodePipeline starts by itself on creation (${stopped.join(", ")}): branchline runs only commits it was asked to`);
  }
  const executionId = await startRun(runtime.aws.codepipeline, {
    pipeline,
    sourceAction: outputs.SourceActionName ?? DEFAULT_SOURCE_ACTION_NAME,
    commit,
    token: requestToken(job.deliveryId, "run"),
  });
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
  await run.started(rollback ? `rollback after ${rollback.fromCommit.slice(0, 12)} failed` : `delivery ${job.deliveryId}`);
  follower.follow(run);
  return null;
}

function fileProblem(title: string, problems: readonly LocatedMessage[], hint: string): Problem {
  return { kind: "file", title, problems, hint };
}

function parameterMessage(problem: ParameterProblem, templatePath: string, environment: Environment, at: { line: number; column: number }): LocatedMessage {
  switch (problem.kind) {
    case "unknown":
      return { file: CONFIG_PATH, line: 1, column: 1, message: `parameter \`${problem.name}\` is configured but \`${templatePath}\` does not declare it; remove it from \`parameters\` or declare it in the template` };
    case "missing":
      return { file: templatePath, ...at, message: `parameter \`${problem.name}\` has no Default and no value; set \`parameters.${environment.kind}.${problem.name}\` (or \`parameters.all.${problem.name}\`) in \`${CONFIG_PATH}\`` };
  }
}
