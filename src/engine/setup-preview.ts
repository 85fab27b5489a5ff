import type { FileProblem } from "../core/file-problem.js";
import { CONFIG_PATH, setupRules, type BranchlineConfig } from "../config/schema.js";
import { fieldName, validateConfigFile } from "../config/validate.js";
import { environmentNames } from "../core/naming.js";
import { planSetup } from "../core/setup-plan.js";
import type { Problem } from "../report/environment-report.js";
import { createCheckRun, findCheckRun, updateCheckRun } from "../github/check-runs.js";
import type { InstallationOctokit } from "../github/octokit.js";
import { PREVIEW_CHECK_NAME } from "../core/check-identity.js";
import { readFileAt } from "../github/repository-files.js";
import { renderSetup, type SetupReport } from "../report/setup-report.js";
import { readYaml } from "@branchline/cloudformation-template";
import { desiredStack } from "./desired-stack.js";
import type { RefJob } from "./ref-job.js";
import type { Runtime } from "./runtime.js";

/**
 * The preview of a pull request into the default branch of a repository branchline is installed on
 * but not configured in: when its head adds `.github/branchline.yml`, the head gets the preview
 * check run saying what merging would set up (or what is wrong with the file, its template or their
 * parameters). It reads GitHub only: nothing exists in AWS to compare with, and nothing is created.
 */
export async function previewSetup(
  runtime: Runtime,
  octokit: InstallationOctokit,
  job: RefJob,
  head: string,
): Promise<void> {
  const text = await readFileAt(octokit, job.repo, CONFIG_PATH, head);
  if (text === null) return;
  const existing = await findCheckRun(octokit, job.repo, head, PREVIEW_CHECK_NAME, await runtime.promotion?.appId());
  if (existing?.status === "completed") return;
  const read = await configOf(runtime, octokit, job, head, text);
  const report: SetupReport =
    read.kind === "invalid"
      ? {
          kind: "invalid",
          problems: read.problems,
          ...(read.hint ? { hint: read.hint } : {}),
          sandbox: runtime.sandbox,
        }
      : {
          kind: "plan",
          plan: planSetup(setupRules(read.config), job.repo, job.defaultBranch, await branchesOf(octokit, job)),
          sandbox: runtime.sandbox,
        };
  const content = renderSetup(report);
  if (existing) await updateCheckRun(octokit, job.repo, existing.id, content);
  else await createCheckRun(octokit, job.repo, head, PREVIEW_CHECK_NAME, content);
  runtime.log.info({ delivery: job.deliveryId, head, outcome: report.kind }, "first config previewed");
}

/** The added config, checked as the default branch's would be, and its template there at the head. */
async function configOf(
  runtime: Runtime,
  octokit: InstallationOctokit,
  job: RefJob,
  head: string,
  text: string,
): Promise<
  { kind: "valid"; config: BranchlineConfig } | { kind: "invalid"; problems: FileProblem[]; hint?: string | undefined }
> {
  const parsed = readYaml(text);
  if (!parsed.ok)
    return {
      kind: "invalid",
      problems: parsed.problems.map((p) => ({
        file: CONFIG_PATH,
        position: p.position,
        message: `not valid YAML: ${p.message}`,
      })),
    };
  const { document } = parsed;
  const validation = validateConfigFile(document.value);
  if (!validation.ok) {
    return {
      kind: "invalid",
      problems: validation.problems.map((p) => ({
        file: CONFIG_PATH,
        position: document.locate(p.path),
        field: fieldName(p.path) || undefined,
        message: p.message,
      })),
    };
  }
  // The pipeline template and its parameters, checked as staging's and a branch's first deploys will
  // check them (both read this commit's config and template once it is merged). Nothing reaches AWS.
  const config = validation.config;
  for (const environment of [
    { kind: "staging", branch: job.defaultBranch },
    { kind: "branch", branch: job.event.ref.name },
  ] as const) {
    const desired = await desiredStack({
      octokit,
      repo: job.repo,
      // Where the config is read from to locate a problem: this commit, the only one that has it.
      defaultBranch: head,
      config,
      environment,
      names: environmentNames(config.stackPrefix, job.repo, environment),
      commit: head,
      templates: runtime.templates,
      requireRole: runtime.requireRoles ?? false,
    });
    if ("problem" in desired)
      return {
        kind: "invalid",
        problems: problemsOf(desired.problem),
        hint: desired.problem.kind === "file" ? desired.problem.hint : undefined,
      };
  }
  return { kind: "valid", config };
}

function problemsOf(problem: Problem): FileProblem[] {
  if (problem.kind === "file")
    return problem.problems.map((p) => ({
      file: p.file,
      position: { line: p.line, column: p.column },
      message: p.message,
    }));
  // desiredStack reports only file problems; any other is said as it is.
  return [
    {
      file: CONFIG_PATH,
      position: { line: 1, column: 1 },
      message: "message" in problem ? problem.message : problem.kind,
    },
  ];
}

async function branchesOf(octokit: InstallationOctokit, job: RefJob): Promise<string[]> {
  const branches = await octokit.paginate(octokit.rest.repos.listBranches, {
    owner: job.repo.owner,
    repo: job.repo.name,
    per_page: 100,
  });
  return branches.map((b) => b.name);
}
