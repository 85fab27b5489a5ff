import { randomBytes } from "node:crypto";
import type { Logger } from "probot";
import type { AwsClients } from "../aws/clients.js";
import type { InstallationOctokit } from "../github/octokit.js";
import { CommitMessages } from "../read-model/commit-messages.js";
import { RunIndex } from "../read-model/run-index.js";
import { StackListing } from "../read-model/stack-listing.js";
import { repositoryFromTags } from "../core/tags.js";
import type { ActionDoors } from "./actions.js";
import { ConfigCache } from "../config/config-cache.js";
import { githubReads } from "./github-reads.js";
import { githubUrls, type GitHubUrls } from "./github-urls.js";
import { GitHubUsers, type UserAccess } from "./github-user.js";
import { LiveHub } from "./live.js";
import { webHandler } from "./serve.js";
import { SessionSeal } from "./session.js";
import { githubGate, sandboxGate } from "./viewer.js";
import type { ViewSources } from "./views.js";

export interface WebOptions {
  /** Default: from GHE_HOST / GHE_PROTOCOL, as Probot reads them. */
  readonly githubUrls?: GitHubUrls;
  /** The App's OAuth client (GITHUB_CLIENT_ID, GITHUB_CLIENT_SECRET); unset, only API tokens log in. */
  readonly oauthClient?: { readonly clientId: string; readonly clientSecret: string } | undefined;
  /** Seals session cookies (BRANCHLINE_SESSION_SECRET); unset, a random one (sessions end with the process). */
  readonly sessionSecret?: string | undefined;
  /** The public origin people reach the app at (BRANCHLINE_PUBLIC_URL); unset, the request's Host. */
  readonly publicUrl?: string | undefined;
  readonly liveIntervalMs?: number;
  /** How long GitHub's answer to "what may this person see" is kept. */
  readonly accessCacheMs?: number;
  readonly stackCacheMs?: number;
  /** How long the repository page keeps a config for its `branches.ttl` (default 30 s). */
  readonly configCacheMs?: number;
  readonly runMaxAgeMs?: number;
  /** How long a finished run is trusted before it is read again in the background (pipeline events refresh it at once). */
  readonly runIdleMaxAgeMs?: number;
}

export interface WebView {
  readonly handler: ReturnType<typeof webHandler>;
  /** A pipeline changed (an event reached the app): the pages show it on their next look. */
  pipelineChanged(pipeline: string): void;
  close(): void;
}

export interface AppWebDeps {
  readonly aws: AwsClients;
  readonly sandbox: boolean;
  readonly log: Logger;
  readonly octokitFor: (installationId: number) => Promise<InstallationOctokit>;
  readonly appId: () => Promise<number>;
  readonly doors: ActionDoors;
}

/** Web settings from the process environment: what Probot's set-up wrote to .env, plus branchline's own. */
export function webOptionsFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): WebOptions {
  const clientId = env.GITHUB_CLIENT_ID;
  const clientSecret = env.GITHUB_CLIENT_SECRET;
  return {
    githubUrls: githubUrls(env),
    oauthClient: clientId && clientSecret ? { clientId, clientSecret } : undefined,
    sessionSecret: env.BRANCHLINE_SESSION_SECRET || undefined,
    publicUrl: env.BRANCHLINE_PUBLIC_URL || undefined,
  };
}

function shared(aws: AwsClients, options: WebOptions) {
  return {
    stacks: new StackListing(aws.cloudformation, options.stackCacheMs ?? 3_000),
    configs: new ConfigCache(options.configCacheMs ?? 30_000),
    runs: new RunIndex(aws.codepipeline, {
      maxAgeMs: options.runMaxAgeMs ?? 5_000,
      idleMaxAgeMs: options.runIdleMaxAgeMs ?? 60_000,
      concurrency: 8,
    }),
    live: new LiveHub(options.liveIntervalMs ?? 2_000),
    messages: new CommitMessages(),
    urls: options.githubUrls ?? githubUrls(),
  };
}

/** The web view of an App: people log in with GitHub and see what GitHub says they can read. */
export function appWebView(deps: AppWebDeps, options: WebOptions = {}): WebView {
  const { stacks, runs, live, urls, messages, configs } = shared(deps.aws, options);
  const users = new GitHubUsers({ apiUrl: urls.api, cacheMs: options.accessCacheMs ?? 60_000 });
  const seal = new SessionSeal(options.sessionSecret ?? randomBytes(32).toString("hex"));
  const sources: ViewSources = {
    aws: deps.aws,
    stacks,
    configs,
    runs,
    messages,
    githubWeb: urls.web,
    sandbox: deps.sandbox,
    github: async (repo) =>
      githubReads(await deps.octokitFor(repo.installationId), repo, repo.defaultBranch, deps.appId),
  };
  const handler = webHandler({
    sources,
    gate: githubGate(users, seal),
    oauth: options.oauthClient
      ? { client: options.oauthClient, urls, users, seal, publicUrl: options.publicUrl }
      : undefined,
    doors: deps.doors,
    live,
    log: deps.log,
  });
  return { handler, pipelineChanged: (pipeline) => runs.touch(pipeline), close: () => live.close() };
}

/**
 * The sandbox before any GitHub App exists: the emulated account's state, open to whoever runs
 * `npm start` on their machine, marked as the sandbox on every page, with no buttons.
 */
export function sandboxWebView(aws: AwsClients, log: Logger, options: WebOptions = {}): WebView {
  const { stacks, runs, live, urls, messages, configs } = shared(aws, options);
  const access = async (): Promise<UserAccess> => {
    const names = [
      ...new Set(
        (await stacks.all()).flatMap((s) => {
          const repo = repositoryFromTags(s.tags);
          return repo ? [`${repo.owner}/${repo.name}`] : [];
        }),
      ),
    ].sort();
    return {
      login: "sandbox",
      installations: [
        {
          id: 0,
          account: "sandbox",
          repositories: names.map((fullName) => {
            const [owner = "", name = ""] = fullName.split("/");
            return { installationId: 0, owner, name, fullName, defaultBranch: "main", private: false, fork: false };
          }),
        },
      ],
    };
  };
  const sources: ViewSources = {
    aws,
    stacks,
    configs,
    runs,
    messages,
    githubWeb: urls.web,
    sandbox: true,
    github: async () => null,
  };
  const handler = webHandler({ sources, gate: sandboxGate(access), oauth: undefined, doors: undefined, live, log });
  return { handler, pipelineChanged: (pipeline) => runs.touch(pipeline), close: () => live.close() };
}
