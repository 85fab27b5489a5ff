import type { CodePipelineClient } from "@aws-sdk/client-codepipeline";
import { idleRules } from "../config/schema.js";
import { parseDuration } from "../core/duration.js";
import { environmentLabel } from "../core/environment.js";
import { environmentClock } from "../core/idle-policy.js";
import { pipelineOfStack } from "../core/naming.js";
import { HIBERNATE_PARAMETER } from "../core/parameters.js";
import { stackCondition, type StackCondition } from "../core/stack-state.js";
import type { StackSnapshot } from "../core/stack-snapshot.js";
import { isApplicationStack, refFromTags, repositoryStateOf, TAG } from "../core/tags.js";
import {
  EXIT,
  mapLimited,
  parseRepoOption,
  stringOption,
  UsageError,
  type Command,
  type ParsedArgs,
} from "./command.js";
import { requireAws } from "./connections.js";
import { readLocalConfig } from "./local-repo.js";
import { age, table, type Io, type Style } from "./output.js";
import type { EnvironmentStatus, StatusResult } from "./status-result.js";

/** The shared environments first, then the branches; stacks whose tags make no sense last. */
const KIND_ORDER = ["staging", "production", "branch", "unknown"];

export const statusCommand: Command<StatusResult> = {
  name: "status",
  summary: "every managed environment: stack state, last run, commit, age",
  maxPositionals: 0,
  options: { repo: { type: "string" }, ttl: { type: "string" }, server: { type: "string" } },
  help: `Usage: branchline status [--repo OWNER/NAME] [--ttl DURATION] [--server URL] [--json]

Lists every environment branchline manages in the AWS account and region (stacks found by their
branchline:* tags, never from memory): the stack's state, the pipeline's last run, its commit, and
how long ago it started; each environment's age, last push and (for branch environments, with a
ttl) the time left before it is hibernated or torn down; below each, the application stack its
pipeline deployed, and application stacks left running after their pipeline stack went ("orphaned":
the reconciler or gc removes them). Needs AWS configured as for the app (AWS_REGION, credentials,
AWS_ENDPOINT_URL).

Options:
  --repo OWNER/NAME   only this repository's environments
  --ttl DURATION      count time left against this ttl (7d, 36h); default: branches.ttl of
                      ./.github/branchline.yml, if there is one
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
    const ttl = stringOption(args, "ttl") ?? (await localTtl(io.cwd));
    const ttlMs = ttl === null ? null : parseDuration(ttl);
    if (ttl !== null && ttlMs === null)
      throw new UsageError(`--ttl is "${ttl}"; it must be a whole number and m, h, d or w (7d, 36h)`);
    const aws = await requireAws(io.env);
    const now = new Date();
    const { listManagedStacks } = await import("../aws/managed-stacks.js");
    const { environmentFromTags } = await import("../core/tags.js");
    const fullName = repo ? `${repo.owner}/${repo.name}`.toLowerCase() : null;
    const managed = (await listManagedStacks(aws.clients.cloudformation)).filter(
      (s) => fullName === null || s.tags[TAG.repository] === fullName,
    );
    // Application stacks: tagged ones, and the ones pipeline stacks name in their output (tagged or not).
    const { applicationStacks } = await import("../aws/teardown.js");
    type Listed = { readonly stack: StackSnapshot; readonly owner: StackSnapshot | undefined };
    const stacks: Listed[] = managed.map((stack) => ({ stack, owner: undefined }));
    const pipelines = managed.filter((s) => !isApplicationStack(s.tags));
    for (const [index, apps] of (
      await mapLimited(pipelines, 8, (stack) =>
        applicationStacks(aws.clients.cloudformation, stack.name, stack, managed),
      )
    ).entries()) {
      // Untagged ones too: a pipeline stack's output names what its deploy action made.
      for (const app of apps)
        if (!stacks.some((listed) => listed.stack.name === app.name))
          stacks.push({ stack: app, owner: pipelines[index] });
    }
    const environments = await mapLimited(stacks, 8, async ({ stack, owner }): Promise<EnvironmentStatus> => {
      const tags = owner?.tags ?? stack.tags;
      const environment = environmentFromTags(tags);
      const application = owner !== undefined || isApplicationStack(stack.tags);
      const pipeline = application ? "" : pipelineOfStack(stack.name);
      const orphaned =
        application && owner === undefined && !managed.some((s) => s.name === stack.tags[TAG.pipelineStack]);
      const label = environment ? environmentLabel(environment) : `? (${tags[TAG.environment] ?? "untagged"})`;
      const run = application ? null : await lastRun(aws.clients.codepipeline, pipeline);
      const createdAt = stack.createdAt ?? null;
      const hibernated = stack.parameters[HIBERNATE_PARAMETER] === "true";
      const lastPushAt = run?.startedAt ? new Date(run.startedAt) : createdAt;
      const clock =
        !application && createdAt && lastPushAt
          ? environmentClock(
              { createdAt, lastPushAt, warnedAt: null, hibernated },
              environment?.kind === "branch" ? ttlMs : null,
              now,
            )
          : null;
      return {
        repository: tags[TAG.repository] ?? "?",
        environment: application ? `${label} (application${orphaned ? ", orphaned" : ""})` : label,
        part: application ? "application" : "pipeline",
        orphaned,
        kind: environment?.kind ?? "unknown",
        ref: refFromTags(tags) ?? "",
        stack: stack.name,
        stackStatus: stack.status,
        condition: stackCondition(stack.status),
        terminationProtection: stack.terminationProtection,
        pipeline,
        lastRun: run,
        environmentUrl: stack.outputs.EnvironmentUrl ?? null,
        repositoryState: repositoryStateOf(tags),
        createdAt: createdAt?.toISOString() ?? null,
        hibernated,
        timeLeftMs: clock?.timeLeftMs ?? null,
      };
    });
    environments.sort(
      (a, b) =>
        compare(a.repository, b.repository) ||
        KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) ||
        compare(a.environment, b.environment),
    );
    const needAttention = environments.filter((e) =>
      ["failed-create", "rollback-failed", "delete-failed"].includes(e.condition),
    ).length;
    return {
      data: {
        region: aws.clients.region,
        repository: fullName,
        generatedAt: now.toISOString(),
        ttl,
        environments,
        needAttention,
      },
      exitCode: needAttention > 0 ? EXIT.findings : EXIT.ok,
    };
  },

  render(data, out) {
    if (data.environments.length === 0) {
      out.line(
        `No environments managed by branchline${data.repository ? ` for ${data.repository}` : ""} in ${data.region}.`,
      );
      return;
    }
    const now = new Date(data.generatedAt);
    const lines = table(
      data.environments,
      [
        ...(data.repository ? [] : [{ header: "REPOSITORY", value: (e: EnvironmentStatus) => e.repository }]),
        {
          header: "ENVIRONMENT",
          value: (e) => (e.repositoryState ? `${e.environment} (${e.repositoryState})` : e.environment),
          style: (e) => (e.repositoryState ? "yellow" : undefined),
        },
        { header: "STACK", value: (e) => e.stackStatus, style: (e) => conditionStyle(e.condition) },
        { header: "LAST RUN", value: (e) => e.lastRun?.status ?? "-", style: (e) => runStyle(e.lastRun?.status) },
        { header: "COMMIT", value: (e) => e.lastRun?.commit?.slice(0, 12) ?? "-" },
        { header: "AGE", value: (e) => age(e.createdAt ?? undefined, now), align: "right" },
        { header: "LAST PUSH", value: (e) => age(e.lastRun?.startedAt ?? undefined, now), align: "right" },
        {
          header: "TIME LEFT",
          value: (e) =>
            e.hibernated ? "asleep" : e.timeLeftMs === null ? "-" : age(new Date(now.getTime() - e.timeLeftMs), now),
          align: "right",
          style: (e) =>
            e.hibernated ? "dim" : e.timeLeftMs !== null && e.timeLeftMs < 86_400_000 ? "yellow" : undefined,
        },
        { header: "STACK NAME", value: (e) => e.stack, style: () => "dim" },
      ],
      out.paint,
    );
    out.lines(lines);
    const orphaned = data.environments.filter((e) => e.repositoryState !== null).length;
    if (orphaned > 0) {
      out.line(
        out.paint.paint(
          "yellow",
          `${orphaned} environment${orphaned === 1 ? " no longer follows" : "s no longer follow"} git: unowned (the App lost the repository; \`branchline gc --repo\` removes its branch environments), archived or deleted (staging and production kept).`,
        ),
      );
    }
    if (data.needAttention > 0) {
      out.line(
        out.paint.paint(
          "red",
          `${data.needAttention} stack${data.needAttention === 1 ? " needs" : "s need"} attention: only a delete moves it on (branchline does that on the next push or reconcile pass, unless it has termination protection).`,
        ),
      );
    }
  },
};

/** `branches.ttl` of the config in the working directory, if there is a valid one. */
async function localTtl(cwd: string): Promise<string | null> {
  const loaded = await readLocalConfig(cwd, ".").catch(() => null);
  return loaded?.kind === "valid"
    ? idleRules(loaded.config).ttlMs === null
      ? null
      : (loaded.config.branches.ttl ?? null)
    : null;
}

async function lastRun(codepipeline: CodePipelineClient, pipeline: string): Promise<EnvironmentStatus["lastRun"]> {
  const { ListPipelineExecutionsCommand } = await import("@aws-sdk/client-codepipeline");
  try {
    const result = await codepipeline.send(
      new ListPipelineExecutionsCommand({ pipelineName: pipeline, maxResults: 1 }),
    );
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
