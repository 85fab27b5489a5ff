import { loadConfig, type ConfigLoad } from "../config/load.js";
import type { BranchlineConfig } from "../config/schema.js";
import type { RepositoryRef } from "../core/environment.js";
import { labelCheckRunName, STAGING_CHECK_NAME } from "../core/check-identity.js";
import { stagingEvidence, type StagingEvidence } from "../core/promotion.js";
import type { ObservedChecks, RequiredCheck } from "../core/required-checks.js";
import { commitHeadlines } from "../github/commit-headlines.js";
import type { InstallationOctokit } from "../github/octokit.js";
import { observedChecksOf } from "../github/required-check-facts.js";
import { deploymentFact, type DeploymentFact } from "../read-model/environments.js";

export interface CommitSummary {
  readonly sha: string;
  readonly message: string;
  readonly author: string | null;
  readonly date: string | null;
}

/** What the views read from GitHub for one repository, with the App's installation token. */
export interface GitHubReads {
  /**
   * One page (newest first): the newest deployment of each environment, or one environment's ledger.
   * Only deployments this App created: anyone with write access can make one that looks like ours.
   */
  deployments(environment?: string): Promise<DeploymentFact[]>;
  commits(branch: string, count: number): Promise<CommitSummary[]>;
  /** Each commit's first message line, in one round (GraphQL, an alias per commit); null for one GitHub does not know. */
  commitMessages(commits: readonly string[]): Promise<Map<string, string | null>>;
  stagingEvidence(commit: string): Promise<StagingEvidence>;
  observedChecks(commit: string, required: readonly RequiredCheck[]): Promise<ObservedChecks>;
  /** The repository's config on the default branch; null when missing or unusable. */
  config(): Promise<BranchlineConfig | null>;
  /** The same read, as the loader answers it (for a cache keyed by `configKey`). */
  configLoad(): Promise<ConfigLoad>;
  /** The `branchline: <environment>` check run on a commit, written by this App. */
  checkRunId(commit: string, environment: string): Promise<number | null>;
  /** Release tags at a commit, for a Re-run of production from the page. */
  tagsAt(commit: string): Promise<string[]>;
}

export function githubReads(
  octokit: InstallationOctokit,
  repo: RepositoryRef,
  defaultBranch: string,
  appId: () => Promise<number>,
): GitHubReads {
  const base = { owner: repo.owner, repo: repo.name };
  return {
    async deployments(environment) {
      const [id, response] = await Promise.all([
        appId(),
        octokit.rest.repos.listDeployments({ ...base, per_page: 100, ...(environment ? { environment } : {}) }),
      ]);
      return response.data.filter((d) => d.performed_via_github_app?.id === id).map(deploymentFact);
    },
    async commits(branch, count) {
      const response = await octokit.rest.repos.listCommits({ ...base, sha: branch, per_page: count });
      return response.data.map((c) => ({
        sha: c.sha,
        message: c.commit.message.split("\n")[0] ?? "",
        author: c.author?.login ?? c.commit.author?.name ?? null,
        date: c.commit.committer?.date ?? c.commit.author?.date ?? null,
      }));
    },
    commitMessages: (commits) => commitHeadlines(octokit, repo, commits),
    async stagingEvidence(commit) {
      const id = await appId();
      const response = await octokit.rest.checks.listForRef({
        ...base,
        ref: commit,
        check_name: STAGING_CHECK_NAME,
        filter: "latest",
        app_id: id,
        per_page: 10,
      });
      const own = response.data.check_runs.find((r) => r.app?.id === id && r.head_sha === commit);
      return stagingEvidence(own ? { status: own.status, conclusion: own.conclusion ?? null } : null);
    },
    observedChecks: (commit, required) => observedChecksOf(octokit, repo, commit, required),
    async config() {
      const loaded = await loadConfig(octokit, repo, defaultBranch);
      return loaded.kind === "valid" ? loaded.config : null;
    },
    configLoad: () => loadConfig(octokit, repo, defaultBranch),
    async checkRunId(commit, environment) {
      const id = await appId();
      const response = await octokit.rest.checks.listForRef({
        ...base,
        ref: commit,
        check_name: labelCheckRunName(environment),
        filter: "latest",
        app_id: id,
        per_page: 10,
      });
      return response.data.check_runs.find((r) => r.app?.id === id && r.head_sha === commit)?.id ?? null;
    },
    async tagsAt(commit) {
      const tags = await octokit.paginate(octokit.rest.repos.listTags, { ...base, per_page: 100 });
      return tags.filter((t) => t.commit.sha === commit).map((t) => t.name);
    },
  };
}
