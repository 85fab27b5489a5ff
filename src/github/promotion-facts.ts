import type { RepositoryRef } from "../core/environment.js";
import { STAGING_CHECK_NAME } from "../core/check-identity.js";
import type { Reachability, StagingEvidence } from "../core/promotion.js";
import type { LedgerEntry } from "../core/run-failure.js";
import { reachabilityFromCompare, stagingEvidence } from "../core/promotion.js";
import { httpStatus, type InstallationOctokit } from "./octokit.js";

/**
 * Thin adapters that gather the facts src/core/promotion.ts decides on. Each asks GitHub one
 * question and answers in the core's words; none decides anything.
 */

/**
 * Is the commit on the default branch? GitHub's compare `refs/heads/<default>...commit`: behind or
 * identical. Fully qualified, so a tag named like the default branch cannot stand in for it.
 */
export async function reachabilityOf(
  octokit: InstallationOctokit,
  repo: RepositoryRef,
  defaultBranch: string,
  commit: string,
): Promise<Reachability> {
  try {
    const response = await octokit.rest.repos.compareCommitsWithBasehead({
      owner: repo.owner,
      repo: repo.name,
      basehead: `refs/heads/${defaultBranch}...${commit}`,
      // Only the status is read: keep the answer small.
      per_page: 1,
    });
    return reachabilityFromCompare(response.data.status);
  } catch (error) {
    if (httpStatus(error) === 404 || httpStatus(error) === 422) return reachabilityFromCompare(null);
    throw error;
  }
}

/**
 * Is `commit` an ancestor of `newer` (GitHub's compare `newer...commit` says behind)? False for a
 * commit GitHub no longer has (a force-pushed history): it cannot be said to be behind.
 */
export async function isBehind(
  octokit: InstallationOctokit,
  repo: RepositoryRef,
  commit: string,
  newer: string,
): Promise<boolean> {
  try {
    const response = await octokit.rest.repos.compareCommitsWithBasehead({
      owner: repo.owner,
      repo: repo.name,
      basehead: `${newer}...${commit}`,
      per_page: 1,
    });
    return response.data.status === "behind";
  } catch (error) {
    if (httpStatus(error) === 404) return false;
    throw error;
  }
}

/**
 * What staging did with exactly this commit: the latest `branchline: staging` check run on it,
 * written by this App (a check run's app cannot be forged; a deployment status can be written by
 * anyone with write access, which is why check runs are the evidence).
 */
export async function stagingEvidenceOf(
  octokit: InstallationOctokit,
  repo: RepositoryRef,
  commit: string,
  appId: number,
): Promise<StagingEvidence> {
  const response = await octokit.rest.checks.listForRef({
    owner: repo.owner,
    repo: repo.name,
    ref: commit,
    check_name: STAGING_CHECK_NAME,
    filter: "latest",
    app_id: appId,
    per_page: 10,
  });
  const ours = response.data.check_runs.filter((run) => run.app?.id === appId && run.head_sha === commit);
  const latest = ours[0];
  return stagingEvidence(latest ? { status: latest.status, conclusion: latest.conclusion ?? null } : null);
}

/**
 * The teams (of those named) the user is an active member of. A team is `slug` (in the repository
 * owner's organisation) or `org/slug`. Needs the App's "Organization members: read" permission;
 * without it GitHub answers 403 and the user counts as no member, with the reason logged by the caller.
 */
export async function teamsOf(
  octokit: InstallationOctokit,
  repo: RepositoryRef,
  user: string,
  teams: readonly string[],
  onProblem: (team: string, error: unknown) => void = () => {},
): Promise<string[]> {
  const member: string[] = [];
  for (const team of teams) {
    const [org, slug] = team.includes("/") ? team.split("/", 2) : [repo.owner, team];
    try {
      const response = await octokit.rest.teams.getMembershipForUserInOrg({
        org: org!,
        team_slug: slug!,
        username: user,
      });
      if (response.data.state === "active") member.push(team);
    } catch (error) {
      if (httpStatus(error) !== 404) onProblem(team, error);
    }
  }
  return member;
}

/** Release tags pointing at a commit (for a Re-run, whose payload names no tag). */
export async function tagsAt(octokit: InstallationOctokit, repo: RepositoryRef, commit: string): Promise<string[]> {
  const tags = await octokit.paginate(octokit.rest.repos.listTags, {
    owner: repo.owner,
    repo: repo.name,
    per_page: 100,
  });
  return tags.filter((t) => t.commit.sha === commit).map((t) => t.name);
}

/**
 * The environment's deployment ledger as branchline's own App wrote it, newest first, each
 * deployment with every state it reached. A deployment another writer created (its
 * `performed_via_github_app` is not this App) is left out: anyone with write access can create one,
 * with a `success` status, for any commit. Bounded: the newest `limit` deployments, and the
 * statuses of only as many good ones as a rollback holds to its criteria.
 */
export async function deploymentLedger(
  octokit: InstallationOctokit,
  repo: RepositoryRef,
  environment: string,
  appId: number,
  limit = 30,
  goodWanted = 5,
): Promise<LedgerEntry[]> {
  const deployments = await octokit.rest.repos.listDeployments({
    owner: repo.owner,
    repo: repo.name,
    environment,
    per_page: limit,
  });
  const ledger: LedgerEntry[] = [];
  let good = 0;
  for (const deployment of deployments.data) {
    if (deployment.performed_via_github_app?.id !== appId) continue;
    const statuses = await octokit.rest.repos.listDeploymentStatuses({
      owner: repo.owner,
      repo: repo.name,
      deployment_id: deployment.id,
      per_page: 100,
    });
    ledger.push({ deploymentId: deployment.id, commit: deployment.sha, states: statuses.data.map((s) => s.state) });
    const entry = ledger.at(-1)!;
    if (entry.commit !== ledger[0]!.commit && entry.states.includes("success") && ++good >= goodWanted) break;
  }
  return ledger;
}
