import type { AwsClients } from "../aws/clients.js";
import type { StackSnapshot } from "../core/stack-snapshot.js";
import { environmentLabel } from "../core/environment.js";
import { pipelineOfStack } from "../core/naming.js";
import { environmentFromTags, refFromTags } from "../core/tags.js";
import { promotionCriteria, requiredChecksOf } from "../engine/promotion-gate.js";
import type { CommitMessages } from "../read-model/commit-messages.js";
import {
  environmentViews,
  newestDeployments,
  repositoryStacks,
  withMessages,
  type EnvironmentView,
} from "../read-model/environments.js";
import { ledgerLines, type LedgerLine } from "../read-model/ledger.js";
import { commitReadiness, type CommitReadiness } from "../read-model/readiness.js";
import { evaluateRequiredChecks } from "../core/required-checks.js";
import { runSummary, type RunIndex } from "../read-model/run-index.js";
import { readRun, type RunView } from "../read-model/run-view.js";
import type { StackListing } from "../read-model/stack-listing.js";
import { ListPipelineExecutionsCommand } from "@aws-sdk/client-codepipeline";
import { configKey, type ConfigCache } from "../config/config-cache.js";
import { idleRules } from "../config/schema.js";
import type { GitHubReads } from "./github-reads.js";
import type { UserAccess, VisibleRepository } from "./github-user.js";

/** What the views read from: AWS (shared listings) and, per repository, GitHub. */
export interface ViewSources {
  readonly aws: AwsClients;
  readonly stacks: StackListing;
  readonly runs: RunIndex;
  /** Commit messages read before (they never change). */
  readonly messages: CommitMessages;
  readonly githubWeb: string;
  readonly sandbox: boolean;
  /**
   * Configs for the repository page's `branches.ttl`, kept briefly: the page is drawn (and its live
   * stream checked) far more often than the config changes, and it only sets the time left shown.
   */
  readonly configs: ConfigCache;
  /** GitHub's reads for a repository; null where no GitHub is connected (the sandbox without an App). */
  readonly github: (repo: VisibleRepository) => Promise<GitHubReads | null>;
}

export interface RepositoryLink {
  readonly owner: string;
  readonly name: string;
  readonly fullName: string;
  readonly private: boolean;
}

export interface ReposResponse {
  readonly login: string;
  readonly sandbox: boolean;
  readonly installations: readonly {
    readonly id: number;
    readonly account: string;
    readonly repositories: readonly RepositoryLink[];
  }[];
}

export function reposView(access: UserAccess, sandbox: boolean): ReposResponse {
  return {
    login: access.login,
    sandbox,
    installations: access.installations.map((i) => ({
      id: i.id,
      account: i.account,
      repositories: i.repositories.map((r) => ({
        owner: r.owner,
        name: r.name,
        fullName: r.fullName,
        private: r.private,
      })),
    })),
  };
}

export interface EnvironmentsResponse {
  readonly repository: string;
  readonly defaultBranch: string;
  readonly sandbox: boolean;
  readonly region: string;
  /** The repository's `branches.ttl` as configured; null when unset or the config is unreadable. */
  readonly ttl: string | null;
  readonly environments: readonly EnvironmentView[];
}

/** The repository page: one shared stack listing, one deployments page, the run index. */
export async function environmentsView(sources: ViewSources, repo: VisibleRepository): Promise<EnvironmentsResponse> {
  const [stacks, github] = await Promise.all([sources.stacks.all(), sources.github(repo)]);
  const own = repositoryStacks(stacks, repo);
  // The config (for branches.ttl) in the same round as the deployments; a page without time left is
  // better than no page when it cannot be read.
  const [deployments, runs, config] = await Promise.all([
    github ? github.deployments() : Promise.resolve([]),
    sources.runs.latest(own.map((s) => pipelineOfStack(s.name))),
    github
      ? sources.configs
          .get(configKey(repo.installationId, repo, repo.defaultBranch), () => github.configLoad())
          .then((loaded) => (loaded.kind === "valid" ? loaded.config : null))
          .catch(() => null)
      : Promise.resolve(null),
  ]);
  const ttl = config?.branches.ttl ?? null;
  const ttlMs = config ? idleRules(config).ttlMs : null;
  const views = environmentViews({
    repo,
    region: sources.aws.region,
    githubWeb: sources.githubWeb,
    stacks: own,
    deployments: newestDeployments(deployments),
    runs,
    ttlMs,
  });
  const commits = views.flatMap((v) => (v.commit ? [v.commit] : []));
  // One GraphQL query for the commits not seen before (none once warm); a page without messages
  // is better than no page when GitHub does not answer.
  const messages =
    github && commits.length > 0
      ? await sources.messages
          .messages(`${repo.installationId}:${repo.fullName.toLowerCase()}`, commits, (unknown) =>
            github.commitMessages(unknown),
          )
          .catch(() => new Map<string, string | null>())
      : new Map<string, string | null>();
  return {
    repository: repo.fullName,
    defaultBranch: repo.defaultBranch,
    sandbox: sources.sandbox,
    region: sources.aws.region,
    ttl,
    environments: withMessages(views, messages),
  };
}

/** The stack of one environment of the repository, found by tags; undefined: no such environment. */
export async function environmentStack(
  sources: ViewSources,
  repo: VisibleRepository,
  label: string,
): Promise<StackSnapshot | undefined> {
  return repositoryStacks(await sources.stacks.all(), repo).find((s) => {
    const environment = environmentFromTags(s.tags);
    return environment !== null && environmentLabel(environment) === label;
  });
}

export interface HistoryResponse {
  readonly repository: string;
  readonly environment: string;
  readonly pipeline: string;
  readonly stack: { readonly name: string; readonly status: string; readonly ref: string };
  readonly runs: readonly LedgerLine[];
}

/** An environment's ledger: the pipeline's runs (one call) joined with its deployments (one call). */
export async function historyView(
  sources: ViewSources,
  repo: VisibleRepository,
  stack: StackSnapshot,
  label: string,
): Promise<HistoryResponse> {
  // The pipeline branchline named for this stack, never the one its output names (another repository's).
  const pipeline = pipelineOfStack(stack.name);
  const github = await sources.github(repo);
  const [executions, deployments] = await Promise.all([
    sources.aws.codepipeline.send(new ListPipelineExecutionsCommand({ pipelineName: pipeline, maxResults: 50 })).then(
      (r) => (r.pipelineExecutionSummaries ?? []).map(runSummary),
      (error: unknown) => {
        if ((error as { name?: string }).name === "PipelineNotFoundException") return [];
        throw error;
      },
    ),
    github ? github.deployments(label) : Promise.resolve([]),
  ]);
  return {
    repository: repo.fullName,
    environment: label,
    pipeline,
    stack: { name: stack.name, status: stack.status, ref: refFromTags(stack.tags) ?? "" },
    runs: ledgerLines(executions, deployments),
  };
}

export interface RunResponse extends RunView {
  readonly repository: string;
  readonly environment: string;
}

/** One run of the environment's own pipeline; null when that pipeline has no such execution. */
export async function runView(
  sources: ViewSources,
  repo: VisibleRepository,
  stack: StackSnapshot,
  label: string,
  executionId: string,
): Promise<RunResponse | null> {
  // The pipeline branchline named for this stack, never the one its output names (another repository's).
  const pipeline = pipelineOfStack(stack.name);
  try {
    const run = await readRun(sources.aws, pipeline, executionId, stack.name);
    return { ...run, repository: repo.fullName, environment: label };
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === "PipelineExecutionNotFoundException" || name === "PipelineNotFoundException") return null;
    throw error;
  }
}

export interface ReadinessResponse {
  readonly repository: string;
  readonly defaultBranch: string;
  /** Why nothing can be said (no GitHub connected, no usable config); null when commits are listed. */
  readonly unavailable: string | null;
  readonly commits: readonly CommitReadiness[];
}

/** Production's release readiness for the newest commits of the default branch. */
export async function readinessView(
  sources: ViewSources,
  repo: VisibleRepository,
  count = 10,
): Promise<ReadinessResponse> {
  const base = { repository: repo.fullName, defaultBranch: repo.defaultBranch };
  const github = await sources.github(repo);
  if (!github)
    return {
      ...base,
      unavailable: "No GitHub App is connected (sandbox): readiness is read from GitHub's check runs and statuses.",
      commits: [],
    };
  const config = await github.config();
  if (!config)
    return {
      ...base,
      unavailable: "The repository has no usable .github/branchline.yml on its default branch.",
      commits: [],
    };
  const criteria = promotionCriteria(config);
  const required = requiredChecksOf(config);
  const commits = await github.commits(repo.defaultBranch, count);
  const readiness = await Promise.all(
    commits.map(async (c) => {
      const [staging, observed] = await Promise.all([
        criteria.requireStagingSuccess
          ? github.stagingEvidence(c.sha)
          : Promise.resolve({ kind: "succeeded" as const }),
        required.length > 0 ? github.observedChecks(c.sha, required) : Promise.resolve({ checkRuns: [], statuses: [] }),
      ]);
      return commitReadiness(criteria, repo.defaultBranch, {
        commit: c.sha,
        message: c.message,
        author: c.author,
        committedAt: c.date,
        staging,
        requiredChecks: evaluateRequiredChecks(required, observed),
      });
    }),
  );
  return { ...base, unavailable: null, commits: readiness };
}
