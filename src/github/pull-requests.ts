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
  const pulls = await octokit.paginate(octokit.rest.pulls.list, { owner: repo.owner, repo: repo.name, state: "open", per_page: 100 });
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
