import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Logger } from "probot";
import type { AwsClients } from "../aws/clients.js";
import type { RepositoryRef } from "../core/environment.js";
import type { InstallationOctokit } from "../github/octokit.js";
import { readSettings, type Settings } from "../settings.js";
import { UsageError } from "./command.js";
import type { Env, Io } from "./output.js";

/**
 * AWS and GitHub, configured from the same environment variables as the app: the SDK's credential
 * chain with AWS_REGION and AWS_ENDPOINT_URL; GITHUB_TOKEN, or the App's APP_ID and PRIVATE_KEY (or
 * PRIVATE_KEY_PATH), with GHE_HOST and GHE_PROTOCOL as Probot reads them.
 */

export type AwsAccess =
  | {
      readonly kind: "aws";
      readonly clients: AwsClients;
      readonly settings: Settings;
      readonly endpoint: string | undefined;
    }
  | { readonly kind: "none"; readonly why: string };

/**
 * AWS when the environment configures it; never the sandbox (a CLI has nothing to see there). The SDK
 * and Probot load only when a command needs them, so --help and validate start fast.
 */
export async function awsFromEnv(env: Env): Promise<AwsAccess> {
  const settings = readSettings(env);
  if (settings.aws.kind === "sandbox") {
    return {
      kind: "none",
      why: "no AWS configuration found (set AWS_REGION and credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or a role)",
    };
  }
  const endpoint = settings.aws.endpoint;
  const { createAwsClients } = await import("../aws/clients.js");
  const clients = createAwsClients({ region: settings.aws.region, ...(endpoint ? { endpoint } : {}), maxAttempts: 3 });
  return { kind: "aws", clients, settings, endpoint };
}

export async function requireAws(env: Env): Promise<Extract<AwsAccess, { kind: "aws" }>> {
  const access = await awsFromEnv(env);
  if (access.kind === "none") throw new UsageError(access.why);
  return access;
}

/** Whether an error means AWS could not be reached or would not let us in, rather than a finding. */
export function isUnreachable(error: unknown): boolean {
  const name = (error as { name?: string; code?: string } | null)?.name ?? "";
  const code = (error as { code?: string } | null)?.code ?? "";
  return (
    ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "ECONNRESET", "EHOSTUNREACH"].includes(code) ||
    [
      "CredentialsProviderError",
      "TimeoutError",
      "UnrecognizedClientException",
      "InvalidClientTokenId",
      "ExpiredToken",
      "ExpiredTokenException",
    ].includes(name) ||
    /ECONNREFUSED|ENOTFOUND|getaddrinfo|connect E/.test(String((error as Error | null)?.message ?? ""))
  );
}

// ---- GitHub -------------------------------------------------------------------------------------

export interface GitHubAccess {
  /** How we authenticated, for messages: never the credential itself. */
  readonly auth: "token" | "app";
  readonly baseUrl: string | undefined;
  /**
   * branchline's App id, so only its own check runs count: the App's APP_ID, or with GITHUB_TOKEN the
   * APP_ID the operator gives beside it; undefined when neither says (commands that trust check runs refuse then).
   */
  readonly appId: number | undefined;
  /** An Octokit that may act on the repository. */
  forRepository(repo: RepositoryRef): Promise<InstallationOctokit>;
  /** The App itself (installations); null with a token. */
  app(): Promise<InstallationOctokit> | null;
  /** An installation's Octokit (the token's own Octokit with GITHUB_TOKEN). */
  installation(id: number): Promise<InstallationOctokit>;
}

/** Probot's logger, silenced: the CLI speaks for itself. */
const silent: Logger = (() => {
  const log: Record<string, unknown> = {};
  for (const level of ["trace", "debug", "info", "warn", "error", "fatal"]) log[level] = () => {};
  log.child = () => log;
  log.level = "silent";
  return log as unknown as Logger;
})();

export function silentLogger(): Logger {
  return silent;
}

export function githubBaseUrl(env: Env): string | undefined {
  return env.GHE_HOST ? `${env.GHE_PROTOCOL || "https"}://${env.GHE_HOST}/api/v3` : undefined;
}

export async function githubFromEnv(io: Io): Promise<GitHubAccess> {
  const env = io.env;
  const { Probot } = await import("probot");
  const baseUrl = githubBaseUrl(env);
  const token = env.GITHUB_TOKEN || env.GH_TOKEN;
  if (token) {
    const probot = new Probot({ githubToken: token, log: silent, ...(baseUrl ? { baseUrl } : {}) });
    const octokit = () => probot.auth() as Promise<InstallationOctokit>;
    return {
      auth: "token",
      baseUrl,
      appId: appIdOf(env),
      forRepository: octokit,
      app: () => null,
      installation: octokit,
    };
  }
  if (env.APP_ID) {
    const privateKey = readPrivateKey(env, io.cwd);
    io.secrets.push(privateKey);
    const probot = new Probot({ appId: env.APP_ID, privateKey, log: silent, ...(baseUrl ? { baseUrl } : {}) });
    const app = () => probot.auth() as Promise<InstallationOctokit>;
    const installation = (id: number) => probot.auth(id) as Promise<InstallationOctokit>;
    return {
      auth: "app",
      baseUrl,
      appId: appIdOf(env),
      app,
      installation,
      async forRepository(repo) {
        const octokit = await app();
        let id: number;
        try {
          id = (await octokit.rest.apps.getRepoInstallation({ owner: repo.owner, repo: repo.name })).data.id;
        } catch (error) {
          if ((error as { status?: number }).status === 404)
            throw new Error(`the App (APP_ID ${env.APP_ID}) is not installed on ${repo.owner}/${repo.name}`);
          throw error;
        }
        return installation(id);
      },
    };
  }
  throw new UsageError(
    "no GitHub credentials: set GITHUB_TOKEN, or APP_ID with PRIVATE_KEY or PRIVATE_KEY_PATH (the App's own)",
  );
}

function readPrivateKey(env: Env, cwd: string): string {
  if (env.PRIVATE_KEY) return env.PRIVATE_KEY.replace(/\\n/g, "\n");
  if (env.PRIVATE_KEY_PATH) {
    try {
      return readFileSync(resolve(cwd, env.PRIVATE_KEY_PATH), "utf8");
    } catch {
      throw new UsageError(`PRIVATE_KEY_PATH names a file that cannot be read (${env.PRIVATE_KEY_PATH})`);
    }
  }
  throw new UsageError("APP_ID is set but neither PRIVATE_KEY nor PRIVATE_KEY_PATH is");
}

/** APP_ID as a number; undefined when unset or not one (Probot would refuse such an App id anyway). */
function appIdOf(env: Env): number | undefined {
  const raw = env.APP_ID?.trim() ?? "";
  return /^[1-9][0-9]{0,15}$/.test(raw) ? Number(raw) : undefined;
}
