import type { RepositoryRef } from "../core/environment.js";
import type { ObservedChecks, RequiredCheck } from "../core/required-checks.js";
import type { InstallationOctokit } from "./octokit.js";

/**
 * What GitHub holds on a commit for `production.requireChecks`: its check runs (every App's, newest
 * first, so the core can tell the named App's from another's) and its commit statuses. Asks only for
 * the kinds the requirements name.
 */
export async function observedChecksOf(
  octokit: InstallationOctokit,
  repo: RepositoryRef,
  commit: string,
  required: readonly RequiredCheck[],
): Promise<ObservedChecks> {
  const wantRuns = required.some((r) => r.kind === "check-run");
  const wantStatuses = required.some((r) => r.kind === "status");
  const [runs, statuses] = await Promise.all([
    wantRuns
      ? octokit.rest.checks
          .listForRef({ owner: repo.owner, repo: repo.name, ref: commit, filter: "latest", per_page: 100 })
          .then((r) => r.data.check_runs)
      : [],
    wantStatuses
      ? octokit.rest.repos
          .listCommitStatusesForRef({ owner: repo.owner, repo: repo.name, ref: commit, per_page: 100 })
          .then((r) => r.data)
      : [],
  ]);
  return {
    checkRuns: runs
      .filter((r) => r.head_sha === commit)
      .map((r) => ({
        name: r.name,
        appSlug: r.app?.slug ?? null,
        appId: r.app?.id ?? null,
        status: r.status,
        conclusion: r.conclusion ?? null,
        url: r.html_url ?? null,
      })),
    statuses: statuses.map((s) => ({
      context: s.context,
      state: s.state,
      creator: s.creator?.login ?? null,
      url: s.target_url ?? null,
    })),
  };
}
