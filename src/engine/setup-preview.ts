import type { FileProblem } from "../config/load.js";
import { CONFIG_PATH, type BranchlineConfig } from "../config/schema.js";
import { fieldName, validateConfigFile } from "../config/validate.js";
import { planSetup } from "../core/setup-plan.js";
import { createCheckRun, findCheckRun, updateCheckRun } from "../github/check-runs.js";
import type { InstallationOctokit } from "../github/octokit.js";
import { PREVIEW_CHECK_NAME } from "../github/preview-report.js";
import { readFileAt } from "../github/repository-files.js";
import { renderSetup, type SetupReport } from "../github/setup-report.js";
import { readYaml } from "../yaml/located-document.js";
import type { RefJob } from "./ref-job.js";
import type { Runtime } from "./runtime.js";

/**
 * The preview of a pull request into the default branch of a repository branchline is installed on
 * but not configured in: when its head adds `.github/branchline.yml`, the head gets the preview
 * check run saying what merging would set up (or what is wrong with the file). It reads GitHub only:
 * nothing exists in AWS to compare with, and nothing is created for a preview.
 */
export async function previewSetup(runtime: Runtime, octokit: InstallationOctokit, job: RefJob, head: string): Promise<void> {
  const text = await readFileAt(octokit, job.repo, CONFIG_PATH, head);
  if (text === null) return;
  const existing = await findCheckRun(octokit, job.repo, head, PREVIEW_CHECK_NAME, await runtime.promotion?.appId());
  if (existing?.status === "completed") return;
  const read = await configOf(octokit, job, head, text);
  const report: SetupReport =
    read.kind === "invalid"
      ? { kind: "invalid", problems: read.problems, sandbox: runtime.sandbox }
      : { kind: "plan", plan: planSetup(read.config, job.repo, job.defaultBranch, await branchesOf(octokit, job)), sandbox: runtime.sandbox };
  const content = renderSetup(report);
  if (existing) await updateCheckRun(octokit, job.repo, existing.id, content);
  else await createCheckRun(octokit, job.repo, head, PREVIEW_CHECK_NAME, content);
  runtime.log.info({ delivery: job.deliveryId, head, outcome: report.kind }, "first config previewed");
}

/** The added config, checked as the default branch's would be, and its template there at the head. */
async function configOf(octokit: InstallationOctokit, job: RefJob, head: string, text: string): Promise<{ kind: "valid"; config: BranchlineConfig } | { kind: "invalid"; problems: FileProblem[] }> {
  const parsed = readYaml(text);
  if (!parsed.ok) return { kind: "invalid", problems: parsed.problems.map((p) => ({ file: CONFIG_PATH, position: p.position, message: `not valid YAML: ${p.message}` })) };
  const { document } = parsed;
  const validation = validateConfigFile(document.value);
  if (!validation.ok) {
    return { kind: "invalid", problems: validation.problems.map((p) => ({ file: CONFIG_PATH, position: document.locate(p.path), field: fieldName(p.path) || undefined, message: p.message })) };
  }
  const template = validation.config.template;
  if ((await readFileAt(octokit, job.repo, template, head)) === null) {
    const message = `\`${template}\` (\`template\`) does not exist at this commit: add the pipeline template to this pull request, or point \`template\` at it`;
    return { kind: "invalid", problems: [{ file: CONFIG_PATH, position: document.locate(["template"]), field: "template", message }] };
  }
  return { kind: "valid", config: validation.config };
}

async function branchesOf(octokit: InstallationOctokit, job: RefJob): Promise<string[]> {
  const branches = await octokit.paginate(octokit.rest.repos.listBranches, { owner: job.repo.owner, repo: job.repo.name, per_page: 100 });
  return branches.map((b) => b.name);
}
