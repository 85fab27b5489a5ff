import type { ProbotOctokit } from "probot";

/** An installation-authenticated Octokit as Probot builds it (throttling, retries, config plugin). */
export type InstallationOctokit = ProbotOctokit;

/** How the engine gets an Octokit for an installation, long after the webhook that asked is gone. */
export type OctokitFactory = (installationId: number) => Promise<InstallationOctokit>;

export function httpStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === "number" ? status : undefined;
}
