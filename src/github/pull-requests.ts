import type { RepositoryRef } from "../core/environment.js";
import type { InstallationOctokit } from "./octokit.js";

/** An open pull request from a branch of the repository itself (forks never have environments). */
export interface OpenPullRequest {
  readonly number: number;
  readonly branch: string;
  readonly headSha: string;
  readonly base: string;
  readonly labels: readonly string[];
}

/** The repository's open pull requests from its own branches: one paginated list per look. */
export async function openPullRequests(octokit: InstallationOctokit, repo: RepositoryRef): Promise<OpenPullRequest[]> {
  const pulls = await octokit.paginate(octokit.rest.pulls.list, {
    owner: repo.owner,
    repo: repo.name,
    state: "open",
    per_page: 100,
  });
  const fullName = `${repo.owner}/${repo.name}`.toLowerCase();
  return pulls
    .filter((pull) => pull.head.repo?.full_name.toLowerCase() === fullName)
    .map((pull) => ({
      number: pull.number,
      branch: pull.head.ref,
      headSha: pull.head.sha,
      base: pull.base.ref,
      labels: pull.labels.map((label) => label.name ?? "").filter((name) => name !== ""),
    }));
}

/**
 * When `label` last went on or came off pull request `number`, from GitHub's own record of the
 * label events (not a webhook: a missed delivery or a restart loses nothing), or null if never.
 */
export async function labelChangedAt(
  octokit: InstallationOctokit,
  repo: RepositoryRef,
  number: number,
  label: string,
): Promise<Date | null> {
  const events = await octokit.paginate(octokit.rest.issues.listEvents, {
    owner: repo.owner,
    repo: repo.name,
    issue_number: number,
    per_page: 100,
  });
  let latest: Date | null = null;
  for (const event of events) {
    if (event.event !== "labeled" && event.event !== "unlabeled") continue;
    if (!("label" in event) || event.label?.name !== label) continue;
    const at = new Date(event.created_at);
    if (!Number.isNaN(at.getTime()) && (latest === null || at > latest)) latest = at;
  }
  return latest;
}
