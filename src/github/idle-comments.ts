import type { RepositoryRef } from "../core/environment.js";
import { fit } from "./check-runs.js";
import type { InstallationOctokit } from "./octokit.js";
import { readMarks } from "./idle-notes.js";

/**
 * The idle warning where a branch has a pull request: a comment on it, which notifies the people on
 * it (a check run note does not). The comment carries the same marker as a check run note, and the
 * next pass reads it back — only from comments branchline's own App made: anyone who can comment
 * can paste the marker, and a forged "already warned" must not shorten anyone's warning.
 */
export async function warnedOnPull(
  octokit: InstallationOctokit,
  repo: RepositoryRef,
  number: number,
  appId: number | undefined,
): Promise<Date | null> {
  const comments = await octokit.paginate(octokit.rest.issues.listComments, {
    owner: repo.owner,
    repo: repo.name,
    issue_number: number,
    per_page: 100,
  });
  let latest: Date | null = null;
  for (const comment of comments) {
    const app = comment.performed_via_github_app;
    // Without the App's id (GET /app failed) no comment is trusted: warning twice beats not at all.
    if (!app || appId === undefined || app.id !== appId) continue;
    for (const mark of readMarks(comment.body ?? "")) {
      if (mark.mark === "warned" && (latest === null || mark.at > latest)) latest = mark.at;
    }
  }
  return latest;
}

/** Comments the warning on the pull request, with its marker. */
export async function commentIdleWarning(
  octokit: InstallationOctokit,
  repo: RepositoryRef,
  number: number,
  at: Date,
  note: string,
): Promise<void> {
  await octokit.rest.issues.createComment({
    owner: repo.owner,
    repo: repo.name,
    issue_number: number,
    body: fit(`${note}\n<!-- branchline:idle warned=${at.toISOString()} -->`),
  });
}
