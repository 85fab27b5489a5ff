import type { CodePipelineClient } from "@aws-sdk/client-codepipeline";
import { environmentLabel } from "../core/environment.js";
import { stackCondition, type StackCondition } from "../core/stack-state.js";
import { refFromTags, repositoryStateOf, TAG, type RepositoryState } from "../core/tags.js";
import { EXIT, mapLimited, parseRepoOption, stringOption, type Command, type ParsedArgs } from "./command.js";
import { requireAws } from "./connections.js";
import { age, table, type Io, type Style } from "./output.js";

export interface EnvironmentStatus {
  readonly repository: string;
  readonly environment: string;
  readonly kind: string;
  readonly ref: string;
  readonly stack: string;
  readonly stackStatus: string;
  readonly condition: StackCondition;
  readonly terminationProtection: boolean;
  readonly pipeline: string;
  readonly lastRun: {
    readonly executionId: string;
    readonly status: string;
    readonly commit: string | null;
    readonly startedAt: string | null;
    readonly updatedAt: string | null;
  } | null;
  readonly environmentUrl: string | null;
  /** unowned, archived or deleted: the stack no longer follows git (its tags say why); null: it does. */
  readonly repositoryState: RepositoryState | null;
}

export interface StatusResult {
  readonly region: string;
  readonly repository: string | null;
  readonly generatedAt: string;
  readonly environments: readonly EnvironmentStatus[];
  /** Stacks only a delete (or a person) can move on: ROLLBACK_COMPLETE, DELETE_FAILED, ... */
  readonly needAttention: number;
}

/** The shared environments first, then the branches; stacks whose tags make no sense last. */
const KIND_ORDER = ["staging", "production", "branch", "unknown"];

export const statusCommand: Command<StatusResult> = {
  name: "status",
  summary: "every managed environment: stack state, last run, commit, age",
  maxPositionals: 0,
  options: { repo: { type: "string" }, server: { type: "string" } },
  help: `Usage: branchline status [--repo OWNER/NAME] [--server URL] [--json]

Lists every environment branchline manages in the AWS account and region (stacks found by their
branchline:* tags, never from memory): the stack's state, the pipeline's last run, its commit, and
how long ago it started. Needs AWS configured as for the app (AWS_REGION, credentials,
AWS_ENDPOINT_URL).

Options:
  --repo OWNER/NAME   only this repository's environments
  --server URL        read a running branchline's REST API instead of AWS, with a GitHub user
                      token of the App in GITHUB_TOKEN: the repositories that person may read
  --json              print the result as JSON
  -h, --help          show this help

Exit codes: 0 all stacks usable, 1 a stack needs attention (failed create, failed rollback, failed
delete) or AWS failed, 2 usage error (or no AWS configuration).`,

  async run(args: ParsedArgs, io: Io) {
    const repoOption = stringOption(args, "repo");
    const repo = repoOption ? parseRepoOption(repoOption) : null;
    const server = stringOption(args, "server");
    if (server) {
      const { statusFromServer } = await import("./server-status.js");
      const data = await statusFromServer(server, repo, io);
      return { data, exitCode: data.needAttention > 0 ? EXIT.findings : EXIT.ok };
    }
    const aws = await requireAws(io.env);
    const { listManagedStacks } = await import("../aws/managed-stacks.js");
    const { environmentFromTags } = await import("../core/tags.js");
    const fullName = repo ? `${repo.owner}/${repo.name}`.toLowerCase() : null;
    const stacks = (await listManagedStacks(aws.clients.cloudformation)).filter((s) => fullName === null || s.tags[TAG.repository] === fullName);
    const environments = await mapLimited(stacks, 8, async (stack): Promise<EnvironmentStatus> => {
        const environment = environmentFromTags(stack.tags);
        const pipeline = stack.name;
        return {
          repository: stack.tags[TAG.repository] ?? "?",
          environment: environment ? environmentLabel(environment) : `? (${stack.tags[TAG.environment] ?? "untagged"})`,
          kind: environment?.kind ?? "unknown",
          ref: refFromTags(stack.tags) ?? "",
          stack: stack.name,
          stackStatus: stack.status,
          condition: stackCondition(stack.status),
          terminationProtection: stack.terminationProtection,
          pipeline,
          lastRun: await lastRun(aws.clients.codepipeline, pipeline),
          environmentUrl: stack.outputs.EnvironmentUrl ?? null,
          repositoryState: repositoryStateOf(stack.tags),
        };
    });
    environments.sort(
      (a, b) =>
        compare(a.repository, b.repository) ||
        KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) ||
        compare(a.environment, b.environment),
    );
    const needAttention = environments.filter((e) => ["failed-create", "rollback-failed", "delete-failed"].includes(e.condition)).length;
    return {
      data: { region: aws.clients.region, repository: fullName, generatedAt: new Date().toISOString(), environments, needAttention },
      exitCode: needAttention > 0 ? EXIT.findings : EXIT.ok,
    };
  },

  render(data, out) {
    if (data.environments.length === 0) {
      out.line(`No environments managed by branchline${data.repository ? ` for ${data.repository}` : ""} in ${data.region}.`);
      return;
    }
    const now = new Date(data.generatedAt);
    const lines = table(
      data.environments,
      [
        ...(data.repository ? [] : [{ header: "REPOSITORY", value: (e: EnvironmentStatus) => e.repository }]),
        { header: "ENVIRONMENT", value: (e) => (e.repositoryState ? `${e.environment} (${e.repositoryState})` : e.environment), style: (e) => (e.repositoryState ? "yellow" : undefined) },
        { header: "STACK", value: (e) => e.stackStatus, style: (e) => conditionStyle(e.condition) },
        { header: "LAST RUN", value: (e) => e.lastRun?.status ?? "-", style: (e) => runStyle(e.lastRun?.status) },
        { header: "COMMIT", value: (e) => e.lastRun?.commit?.slice(0, 12) ?? "-" },
        { header: "AGE", value: (e) => age(e.lastRun?.startedAt ?? undefined, now), align: "right" },
        { header: "STACK NAME", value: (e) => e.stack, style: () => "dim" },
      ],
      out.paint,
    );
    out.lines(lines);
    const orphaned = data.environments.filter((e) => e.repositoryState !== null).length;
    if (orphaned > 0) {
      out.line(out.paint.paint("yellow", `${orphaned} environment${orphaned === 1 ? " no longer follows" : "s no longer follow"} git: unowned (the App lost the repository; \`branchline gc --repo\` removes its branch environments), archived or deleted (staging and production kept).`));
    }
    if (data.needAttention > 0) {
      out.line(out.paint.paint("red", `${data.needAttention} stack${data.needAttention === 1 ? " needs" : "s need"} attention: only a delete moves it on (branchline does that on the next push or reconcile pass, unless it has termination protection).`));
    }
  },
};

async function lastRun(codepipeline: CodePipelineClient, pipeline: string): Promise<EnvironmentStatus["lastRun"]> {
  const { ListPipelineExecutionsCommand } = await import("@aws-sdk/client-codepipeline");
  try {
    const result = await codepipeline.send(new ListPipelineExecutionsCommand({ pipelineName: pipeline, maxResults: 1 }));
    const newest = result.pipelineExecutionSummaries?.[0];
    if (!newest) return null;
    return {
      executionId: newest.pipelineExecutionId ?? "",
      status: newest.status ?? "Unknown",
      commit: newest.sourceRevisions?.[0]?.revisionId ?? null,
      startedAt: newest.startTime?.toISOString() ?? null,
      updatedAt: newest.lastUpdateTime?.toISOString() ?? null,
    };
  } catch (error) {
    // A stack whose pipeline is gone (a failed create) has no runs.
    if ((error as { name?: string }).name === "PipelineNotFoundException") return null;
    throw error;
  }
}

function conditionStyle(condition: StackCondition): Style | undefined {
  switch (condition) {
    case "ready":
      return "green";
    case "busy":
      return "yellow";
    case "absent":
      return "dim";
    default:
      return "red";
  }
}

function runStyle(status: string | undefined): Style | undefined {
  switch (status) {
    case "Succeeded":
      return "green";
    case "Failed":
      return "red";
    case "InProgress":
    case "Stopping":
      return "yellow";
    default:
      return status ? "dim" : undefined;
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
