import type { RepositoryRef } from "../core/environment.js";
import { fit } from "./check-runs.js";
import type { InstallationOctokit } from "./octokit.js";

/**
 * What branchline told an environment's last check run about its idleness: a warning (with when),
 * a teardown, a hibernation. The notes sit above the run's summary, each with a marker comment, so
 * the next pass reads them back: GitHub is the database, the process remembers nothing.
 */
export type IdleMark = "warned" | "hibernated" | "torn-down";

export interface IdleMarks {
  readonly checkRunId: number;
  /** The newest warning's time, if there is one. */
  readonly warnedAt: Date | null;
  /** The newest mark of any kind (notes are added on top, so the first found). */
  readonly latest: IdleMark | null;
}

const MARK = /<!-- branchline:idle (warned|hibernated|torn-down)=([0-9TZ:.-]+) -->/g;

/** The marks in a check run's summary, newest first. */
export function readMarks(summary: string): { mark: IdleMark; at: Date }[] {
  return [...summary.matchAll(MARK)].flatMap((m) => {
    const at = new Date(m[2] as string);
    return Number.isNaN(at.getTime()) ? [] : [{ mark: m[1] as IdleMark, at }];
  });
}

/** The environment's check run on `commit` and its idle marks, or null when it has none. */
export async function idleMarks(
  octokit: InstallationOctokit,
  repo: RepositoryRef,
  commit: string,
  checkName: string,
  appId: number | undefined,
): Promise<IdleMarks | null> {
  // Only branchline's own check runs: anyone with write access can post one with its name and marks.
  const response = await octokit.rest.checks.listForRef({
    owner: repo.owner,
    repo: repo.name,
    ref: commit,
    check_name: checkName,
    filter: "latest",
    ...(appId !== undefined ? { app_id: appId } : {}),
    per_page: appId !== undefined ? 10 : 1,
  });
  const run = response.data.check_runs.find((candidate) => appId === undefined || candidate.app?.id === appId);
  if (!run) return null;
  const marks = readMarks(run.output.summary ?? "");
  return {
    checkRunId: run.id,
    warnedAt: marks.find((m) => m.mark === "warned")?.at ?? null,
    latest: marks[0]?.mark ?? null,
  };
}

/** Puts an idle note (with its marker) above the check run's summary; status and conclusion stay. */
export async function addIdleNote(
  octokit: InstallationOctokit,
  repo: RepositoryRef,
  checkRunId: number,
  mark: IdleMark,
  at: Date,
  note: string,
): Promise<void> {
  const current = await octokit.rest.checks.get({ owner: repo.owner, repo: repo.name, check_run_id: checkRunId });
  const output = current.data.output;
  await octokit.rest.checks.update({
    owner: repo.owner,
    repo: repo.name,
    check_run_id: checkRunId,
    output: {
      title: output.title ?? "branchline",
      summary: fit(`> ${note}\n<!-- branchline:idle ${mark}=${at.toISOString()} -->\n\n${output.summary ?? ""}`),
    },
  });
}
