import { repositoryFullName } from "../core/environment.js";
import {
  EXIT,
  UsageError,
  mapLimited,
  parseRepoOption,
  stringOption,
  type Command,
  type ParsedArgs,
} from "./command.js";
import { githubFromEnv } from "./connections.js";
import { gitRepository } from "./local-repo.js";
import { age, table, type Io, type Style } from "./output.js";

export interface DeploymentStatusEntry {
  readonly state: string;
  readonly description: string;
  readonly createdAt: string;
  readonly creator: string | null;
  readonly environmentUrl: string | null;
  readonly logUrl: string | null;
}

export interface DeploymentEntry {
  readonly id: number;
  /** Who: the deployment's creator (the App, for the ones branchline records). */
  readonly creator: string | null;
  readonly sha: string;
  readonly ref: string;
  readonly environment: string;
  readonly createdAt: string;
  /** The newest status's state, or `none` when it has none yet. */
  readonly outcome: string;
  readonly outcomeAt: string | null;
  readonly description: string | null;
  readonly environmentUrl: string | null;
  readonly logUrl: string | null;
  /** Oldest first. */
  readonly statuses: readonly DeploymentStatusEntry[];
}

export interface HistoryResult {
  readonly repository: string;
  readonly environment: string;
  readonly deployments: readonly DeploymentEntry[];
}

export const historyCommand: Command<HistoryResult> = {
  name: "history",
  summary: "the deployment ledger of an environment, from GitHub",
  maxPositionals: 0,
  options: { env: { type: "string" }, repo: { type: "string" }, limit: { type: "string" } },
  help: `Usage: branchline history --env ENV [--repo OWNER/NAME] [--limit N] [--json]

The deployment ledger GitHub keeps for an environment: who deployed what (commit, ref), where and
when, and how it ended, newest first.

ENV is the GitHub environment branchline records: staging, production, or branch/NAME.

Authentication, as the app's: GITHUB_TOKEN, or the App's APP_ID with PRIVATE_KEY or
PRIVATE_KEY_PATH. GHE_HOST (and GHE_PROTOCOL) point it at GitHub Enterprise Server.

Options:
  --env ENV           the environment (required)
  --repo OWNER/NAME   the repository (default: the origin remote of the current directory)
  --limit N           at most N deployments (default 20, at most 1000)
  --json              print the result as JSON
  -h, --help          show this help

Exit codes: 0 listed (also when there are none), 1 GitHub failed, 2 usage error or no credentials.`,

  async run(args: ParsedArgs, io: Io) {
    const environment = stringOption(args, "env");
    if (!environment) throw new UsageError("--env is required (staging, production, or branch/NAME)");
    const limitText = stringOption(args, "limit") ?? "20";
    const limit = Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      throw new UsageError(`--limit is "${limitText}"; it must be a whole number from 1 to 1000`);
    const repoOption = stringOption(args, "repo");
    const repo = repoOption ? parseRepoOption(repoOption) : await gitRepository(io.cwd);
    if (!repo)
      throw new UsageError(
        "cannot tell the repository from git (no GitHub origin remote here); pass --repo OWNER/NAME",
      );
    const github = await githubFromEnv(io);
    const octokit = await github.forRepository(repo);

    const listed: Awaited<ReturnType<typeof octokit.rest.repos.listDeployments>>["data"] = [];
    for await (const page of octokit.paginate.iterator(octokit.rest.repos.listDeployments, {
      owner: repo.owner,
      repo: repo.name,
      environment,
      per_page: Math.min(100, limit),
    })) {
      listed.push(...page.data);
      if (listed.length >= limit) break;
    }
    const deployments = await mapLimited(listed.slice(0, limit), 8, async (deployment): Promise<DeploymentEntry> => {
      const statuses = await octokit.paginate(octokit.rest.repos.listDeploymentStatuses, {
        owner: repo.owner,
        repo: repo.name,
        deployment_id: deployment.id,
        per_page: 100,
      });
      // GitHub lists statuses newest first; the ledger reads oldest first.
      const ordered = [...statuses].sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id - b.id);
      const latest = ordered.at(-1);
      return {
        id: deployment.id,
        creator: deployment.creator?.login ?? null,
        sha: deployment.sha,
        ref: deployment.ref,
        environment: deployment.environment,
        createdAt: deployment.created_at,
        outcome: latest?.state ?? "none",
        outcomeAt: latest?.created_at ?? null,
        description: deployment.description ?? null,
        environmentUrl: [...ordered].reverse().find((s) => s.environment_url)?.environment_url ?? null,
        logUrl: latest?.log_url || latest?.target_url || null,
        statuses: ordered.map((s) => ({
          state: s.state,
          description: s.description ?? "",
          createdAt: s.created_at,
          creator: s.creator?.login ?? null,
          environmentUrl: s.environment_url || null,
          logUrl: s.log_url || s.target_url || null,
        })),
      };
    });
    return { data: { repository: repositoryFullName(repo), environment, deployments }, exitCode: EXIT.ok };
  },

  render(data, out) {
    if (data.deployments.length === 0) {
      out.line(`No deployments to ${data.environment} in ${data.repository}.`);
      return;
    }
    const now = new Date();
    out.lines(
      table(
        data.deployments,
        [
          { header: "WHEN", value: (d) => d.createdAt.replace("T", " ").replace(/\.\d+Z$|Z$/, "Z") },
          { header: "AGO", value: (d) => age(d.createdAt, now), align: "right" },
          { header: "WHO", value: (d) => d.creator ?? "-" },
          { header: "COMMIT", value: (d) => d.sha.slice(0, 12) },
          { header: "REF", value: (d) => d.ref },
          { header: "OUTCOME", value: (d) => d.outcome, style: (d) => outcomeStyle(d.outcome) },
          { header: "DESCRIPTION", value: (d) => d.statuses.at(-1)?.description || d.description || "" },
        ],
        out.paint,
      ),
    );
  },
};

function outcomeStyle(state: string): Style | undefined {
  switch (state) {
    case "success":
      return "green";
    case "failure":
    case "error":
      return "red";
    case "in_progress":
    case "queued":
    case "pending":
      return "yellow";
    case "inactive":
      return "dim";
    default:
      return undefined;
  }
}
