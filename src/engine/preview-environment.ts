import { setTimeout as sleep } from "node:timers/promises";
import { applicationDeploy, type ApplicationDeploy } from "../aws/application-stack.js";
import {
  previewChangeSetOf,
  type PreviewChangeSetOutcome,
  type PreviewChangeSetRequest,
} from "../aws/change-set-preview.js";
import { describeStack } from "../aws/stacks.js";
import type { StackSnapshot } from "../core/stack-snapshot.js";
import { INLINE_TEMPLATE_LIMIT } from "../aws/template-store.js";
import { CONFIG_PATH, type BranchlineConfig } from "../config/schema.js";
import { validateConfig } from "../config/validate.js";
import { diffConfig } from "../core/config-diff.js";
import type { Environment } from "../core/environment.js";
import { environmentNames, type StackName } from "../core/naming.js";
import { additionsOf, categorize, type StackPreview } from "../core/preview-plan.js";
import { createCheckRun, findCheckRun, updateCheckRun, type CheckRunContent } from "../github/check-runs.js";
import type { InstallationOctokit } from "../github/octokit.js";
import { renderPreview, type PreviewReport } from "../report/preview-report.js";
import { PREVIEW_CHECK_NAME } from "../core/check-identity.js";
import { readFileAt } from "../github/repository-files.js";
import { readTemplate, readYaml } from "@branchline/cloudformation-template";
import { observe } from "./converge-stack.js";
import { desiredStack } from "./desired-stack.js";
import type { RefJob } from "./ref-job.js";
import { awsFor, type Runtime } from "./runtime.js";

type PreviewCause = Extract<RefJob["cause"], { kind: "preview" }>;

/** How often a change set is made again when an operation on the stack took it away or was under way. */
const ATTEMPTS = 3;

/**
 * The staging preview of a pull request into the default branch: the pipeline stack's change set
 * and, where the pipeline deploys an application template from the repository, the application
 * stack's, as merging the head commit would make them; and what its config change would change.
 * It runs under its own queue key, never in staging's lane: a deploy there never waits for it.
 */
export async function previewPullRequest(
  runtime: Runtime,
  octokit: InstallationOctokit,
  job: RefJob,
  config: BranchlineConfig,
  cause: PreviewCause,
): Promise<void> {
  const head = cause.head;
  const log = runtime.log.child({ delivery: job.deliveryId, pull: cause.pullNumber, head });
  const existing = await findCheckRun(octokit, job.repo, head, PREVIEW_CHECK_NAME, await runtime.promotion?.appId());
  if (existing?.status === "completed") {
    log.info("this head already has its preview");
    return;
  }
  const previewing: CheckRunContent = {
    status: "in_progress",
    title: "Previewing staging",
    summary: "Creating change sets of staging's stacks for this pull request's head (never executed; deleted again).",
  };
  const id = existing?.id ?? (await createCheckRun(octokit, job.repo, head, PREVIEW_CHECK_NAME, previewing));
  const show = (content: CheckRunContent) => updateCheckRun(octokit, job.repo, id, content);
  const headConfig = await configAt(octokit, job, head, config);
  const effective = headConfig.kind === "valid" ? headConfig.config : config;
  const environment: Environment = { kind: "staging", branch: job.defaultBranch };
  const names = environmentNames(effective.stackPrefix, job.repo, environment);
  const stacks: StackPreview[] = [];
  const desired = await desiredStack({
    octokit,
    repo: job.repo,
    defaultBranch: job.defaultBranch,
    config: effective,
    environment,
    names,
    commit: head,
    templates: runtime.templates,
    requireRole: runtime.requireRoles ?? false,
  });
  let roleArn: string | undefined;
  if ("problem" in desired) {
    stacks.push({ kind: "failed", role: "pipeline", stack: names.stack, why: problemText(desired.problem) });
  } else {
    const inputs = desired.inputs;
    roleArn = inputs.roleArn;
    const stack = await describeStack(runtime.aws.cloudformation, names.stack);
    const seen = observe(stack, { repo: job.repo, environment, names, deliveryId: job.deliveryId });
    const template = readTemplate(inputs.templateBody);
    if (stack === null || seen === null) {
      stacks.push({
        kind: "new",
        role: "pipeline",
        stack: names.stack,
        changes: categorize(additionsOf(template.ok ? (template.template.Resources ?? {}) : {})),
      });
    } else if (seen.templateHash === inputs.templateHash && seen.parametersHash === inputs.parametersHash) {
      stacks.push({
        kind: "no-changes",
        role: "pipeline",
        stack: names.stack,
        why: "the template and parameters are those staging runs with",
      });
    } else if (Buffer.byteLength(inputs.templateBody, "utf8") > INLINE_TEMPLATE_LIMIT) {
      stacks.push({
        kind: "skipped",
        role: "pipeline",
        stack: names.stack,
        why: `the template is over ${INLINE_TEMPLATE_LIMIT} bytes`,
      });
    } else {
      const parameters = Object.entries(inputs.parameters).map(([key, value]) => ({ key, value }));
      stacks.push(
        await previewStack(runtime, "pipeline", {
          stackName: names.stack,
          changeSetName: changeSetName(cause, head, "pipeline"),
          templateBody: inputs.templateBody,
          parameters,
          roleArn: inputs.roleArn,
          tags: inputs.tags,
        }),
      );
    }
    if (stack) stacks.push(await previewApplication(runtime, octokit, job, effective, stack, head, cause));
  }
  const report: PreviewReport = {
    stacks,
    config:
      headConfig.kind === "invalid"
        ? { kind: "invalid", problems: headConfig.problems }
        : headConfig.kind === "valid"
          ? configChanges(config, headConfig.config)
          : { kind: "unchanged" },
    role: roleArn,
    requireAcknowledgement:
      effective.preview?.requireAcknowledgement ?? config.preview?.requireAcknowledgement ?? false,
    sandbox: runtime.sandbox,
  };
  await show(renderPreview(report));
  log.info({ stacks: stacks.map((s) => `${s.role}:${s.kind}`) }, "pull request previewed");
}

function configChanges(before: BranchlineConfig, after: BranchlineConfig): PreviewReport["config"] {
  const changes = diffConfig(before, after);
  return changes.length === 0 ? { kind: "unchanged" } : { kind: "changed", changes };
}

/** The config the pull request carries: the same as the default branch's, another valid one, or a broken one. */
async function configAt(
  octokit: InstallationOctokit,
  job: RefJob,
  head: string,
  current: BranchlineConfig,
): Promise<{ kind: "same" } | { kind: "valid"; config: BranchlineConfig } | { kind: "invalid"; problems: string[] }> {
  const text = await readFileAt(octokit, job.repo, CONFIG_PATH, head);
  if (text === null) return { kind: "same" };
  const parsed = readYaml(text);
  if (!parsed.ok)
    return {
      kind: "invalid",
      problems: parsed.problems.map(
        (p) => `\`${CONFIG_PATH}:${p.position.line}:${p.position.column}\`: not valid YAML: ${p.message}`,
      ),
    };
  const validation = validateConfig(parsed.document.value);
  if (!validation.ok) {
    return {
      kind: "invalid",
      problems: validation.problems.map((p) => {
        const at = parsed.document.locate(p.path);
        return `\`${CONFIG_PATH}:${at.line}:${at.column}\`: ${p.message}`;
      }),
    };
  }
  return JSON.stringify(validation.config) === JSON.stringify(current)
    ? { kind: "same" }
    : { kind: "valid", config: validation.config };
}

async function previewApplication(
  runtime: Runtime,
  octokit: InstallationOctokit,
  job: RefJob,
  config: BranchlineConfig,
  pipelineStack: StackSnapshot,
  head: string,
  cause: PreviewCause,
): Promise<StackPreview> {
  // branchline names each pipeline after its stack (the stack's outputs are the template's word).
  const pipeline = pipelineStack.name;
  const deploy = await applicationDeploy(runtime.aws.codepipeline, pipeline);
  if (!deploy)
    return {
      kind: "skipped",
      role: "application",
      stack: pipelineStack.outputs.ApplicationStackName ?? "-",
      why: "the pipeline has no CloudFormation deploy action",
    };
  // The template the deploy action reads: the commit's own file, or a build product. A build's
  // output is previewed only where the config names the repository file the build passes through.
  const configured = config.preview?.applicationTemplate;
  const path = deploy.sourcePath ?? configured ?? null;
  if (path === null) {
    return {
      kind: "skipped",
      role: "application",
      stack: deploy.stackName,
      why: `its template (\`${deploy.templatePath}\`) is made by the pipeline's build, which a preview does not run. If the build hands a file of the repository to the deploy action unchanged, set \`preview.applicationTemplate\` to its path in \`${CONFIG_PATH}\`, and the preview reads it at the pull request's head`,
    };
  }
  const source =
    deploy.sourcePath === null
      ? `\`${path}\` at this commit (\`preview.applicationTemplate\`), standing in for \`${deploy.templatePath}\`, which the build makes.`
      : undefined;
  const from = source ? { source } : {};
  const text = await readFileAt(octokit, job.repo, path, head);
  const read = text === null ? null : readTemplate(text);
  if (text === null || !read?.ok)
    return {
      kind: "failed",
      role: "application",
      stack: deploy.stackName,
      why: `\`${path}\` ${text === null ? "does not exist at this commit" : "is not a valid template"}`,
      ...from,
    };
  const stack = await describeStack(runtime.aws.cloudformation, deploy.stackName as StackName);
  if (stack === null)
    return {
      kind: "new",
      role: "application",
      stack: deploy.stackName,
      changes: categorize(additionsOf(read.template.Resources ?? {})),
      ...from,
    };
  const previewed = await previewStack(runtime, "application", {
    stackName: deploy.stackName,
    changeSetName: changeSetName(cause, head, "application"),
    templateBody: text,
    parameters: applicationParameters(read.template.Parameters ?? {}, deploy, stack),
    roleArn: deploy.roleArn,
  });
  return { ...previewed, ...from };
}

/** The deploy action's overrides; the stack's current value for the rest it has; defaults otherwise. */
function applicationParameters(
  declared: Readonly<Record<string, unknown>>,
  deploy: ApplicationDeploy,
  stack: StackSnapshot,
): PreviewChangeSetRequest["parameters"] {
  return Object.keys(declared).flatMap((key): PreviewChangeSetRequest["parameters"][number][] => {
    const value = deploy.parameterOverrides[key];
    if (value !== undefined) return [{ key, value }];
    return Object.hasOwn(stack.parameters, key) ? [{ key, previous: true }] : [];
  });
}

/** One stack's change set, made again when a deploy took it away or the stack was busy. */
async function previewStack(
  runtime: Runtime,
  role: StackPreview["role"],
  request: Omit<PreviewChangeSetRequest, "maxWaitSeconds" | "pollSeconds">,
): Promise<StackPreview> {
  let outcome: PreviewChangeSetOutcome = { kind: "superseded" };
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    // Previews are of staging only: its change sets are made with staging's kind role.
    outcome = await previewChangeSetOf(awsFor(runtime, "staging").cloudformation, {
      ...request,
      changeSetName: `${request.changeSetName}-${attempt}`,
      maxWaitSeconds: Math.min(runtime.stackWait.maxWaitSeconds, 600),
      pollSeconds: { min: runtime.stackWait.minDelaySeconds, max: runtime.stackWait.maxDelaySeconds },
    });
    if (outcome.kind !== "superseded" && outcome.kind !== "busy") break;
    // A deploy is under way or just took the change set: look again once it moved on.
    await sleep(runtime.stackWait.minDelaySeconds * 1000 * attempt);
  }
  switch (outcome.kind) {
    case "changes":
      return { kind: "changes", role, stack: request.stackName, changes: categorize(outcome.changes) };
    case "no-changes":
      return { kind: "no-changes", role, stack: request.stackName, why: "CloudFormation found nothing to change" };
    case "rejected":
      return { kind: "failed", role, stack: request.stackName, why: `CloudFormation rejected it: ${outcome.reason}` };
    case "busy":
    case "superseded":
      return {
        kind: "skipped",
        role,
        stack: request.stackName,
        why: "the stack kept changing under the preview; the next push to the pull request previews it again",
      };
  }
}

/** `branchline-preview-<pr>-<sha>-<stack role>`: a change set's name says what made it. */
function changeSetName(cause: PreviewCause, head: string, role: StackPreview["role"]): string {
  return `branchline-preview-${cause.pullNumber}-${head.slice(0, 12)}-${role}`;
}

function problemText(
  problem: Extract<Awaited<ReturnType<typeof desiredStack>>, { problem: unknown }>["problem"],
): string {
  switch (problem.kind) {
    case "file":
      return `${problem.title}: ${problem.problems.map((p) => `\`${p.file}:${p.line}:${p.column}\` ${p.message}`).join("; ")}`;
    case "stack":
    case "refused":
    case "error":
      return problem.message;
    case "promotion":
      return "promotion criteria";
  }
}
