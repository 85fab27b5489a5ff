import type { RepositoryRef } from "../core/environment.js";
import type { InstallationOctokit } from "./octokit.js";

export type CheckStatus = "queued" | "in_progress" | "completed";
export type CheckConclusion =
  "success" | "failure" | "neutral" | "cancelled" | "timed_out" | "action_required" | "skipped";

export interface CheckRunContent {
  readonly status: CheckStatus;
  readonly conclusion?: CheckConclusion;
  readonly title: string;
  readonly summary: string;
  readonly text?: string;
  /** What the run reports (the pipeline execution), so a restarted process can find it again. */
  readonly externalId?: string;
  readonly detailsUrl?: string;
  /** Buttons on the check run (at most 3; label 20, description 40, identifier 20 characters). */
  readonly actions?: readonly CheckRunAction[];
}

export interface CheckRunAction {
  readonly label: string;
  readonly description: string;
  readonly identifier: string;
}

export interface ExistingCheckRun {
  readonly id: number;
  readonly status: string;
  readonly externalId: string | null;
}

/** GitHub's limit on output.summary and output.text. */
export const CHECK_OUTPUT_LIMIT = 65_535;

/**
 * The latest check run of this name on the commit that branchline's own App wrote. Anyone with
 * write access (or a workflow's GITHUB_TOKEN) can write a check run of any name, so the App id is
 * asked of GitHub and checked on the answer. `appId` is unknown only to operator tools
 * authenticated with a personal token; they match by name, and say so in their docs.
 */
export async function findCheckRun(
  octokit: InstallationOctokit,
  repo: RepositoryRef,
  commit: string,
  name: string,
  appId: number | undefined,
): Promise<ExistingCheckRun | null> {
  const response = await octokit.rest.checks.listForRef({
    owner: repo.owner,
    repo: repo.name,
    ref: commit,
    check_name: name,
    filter: "latest",
    ...(appId !== undefined ? { app_id: appId } : {}),
    per_page: appId !== undefined ? 10 : 1,
  });
  const run = response.data.check_runs.find((candidate) => appId === undefined || candidate.app?.id === appId);
  return run ? { id: run.id, status: run.status, externalId: run.external_id ?? null } : null;
}

export async function createCheckRun(
  octokit: InstallationOctokit,
  repo: RepositoryRef,
  commit: string,
  name: string,
  content: CheckRunContent,
): Promise<number> {
  const response = await octokit.rest.checks.create({
    owner: repo.owner,
    repo: repo.name,
    head_sha: commit,
    name,
    ...fields(content),
  });
  return response.data.id;
}

export async function updateCheckRun(
  octokit: InstallationOctokit,
  repo: RepositoryRef,
  id: number,
  content: CheckRunContent,
): Promise<void> {
  await octokit.rest.checks.update({ owner: repo.owner, repo: repo.name, check_run_id: id, ...fields(content) });
}

function fields(content: CheckRunContent) {
  const now = new Date().toISOString();
  return {
    status: content.status,
    ...(content.status === "completed" ? { conclusion: content.conclusion ?? "neutral", completed_at: now } : {}),
    ...(content.status === "in_progress" ? { started_at: now } : {}),
    ...(content.externalId !== undefined ? { external_id: content.externalId } : {}),
    ...(content.detailsUrl !== undefined ? { details_url: content.detailsUrl } : {}),
    ...(content.actions !== undefined ? { actions: content.actions.map((a) => ({ ...a })) } : {}),
    output: {
      title: content.title.slice(0, 255),
      summary: fit(content.summary),
      ...(content.text !== undefined ? { text: fit(content.text) } : {}),
    },
  };
}

/**
 * Puts a note above a check run's summary and leaves its status and conclusion alone: for answers
 * to a button press that must not rewrite the run's own result.
 */
export async function addNote(
  octokit: InstallationOctokit,
  repo: RepositoryRef,
  id: number,
  note: string,
): Promise<void> {
  const current = await octokit.rest.checks.get({ owner: repo.owner, repo: repo.name, check_run_id: id });
  const output = current.data.output;
  await octokit.rest.checks.update({
    owner: repo.owner,
    repo: repo.name,
    check_run_id: id,
    output: { title: output.title ?? "branchline", summary: fit(`> ${note}\n\n${output.summary ?? ""}`) },
  });
}

/** Cuts text to GitHub's limit, saying so, rather than letting the API refuse the whole update. */
export function fit(text: string, limit = CHECK_OUTPUT_LIMIT): string {
  if (text.length <= limit) return text;
  const note = "\n\n… (cut to fit GitHub's limit)";
  return text.slice(0, limit - note.length) + note;
}
