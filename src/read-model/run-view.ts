import { DescribeStackEventsCommand, type CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { GetLogEventsCommand, type CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import {
  GetPipelineCommand,
  GetPipelineExecutionCommand,
  ListPipelineExecutionsCommand,
  paginateListActionExecutions,
  type ActionExecutionDetail,
  type CodePipelineClient,
} from "@aws-sdk/client-codepipeline";
import {
  aggregateLog,
  buildLines,
  pipelineLines,
  stackLines,
  type ActionRecord,
  type BuildLineRecord,
  type LogLine,
  type StackEventRecord,
} from "./run-log.js";
import { runStackEvents, STACK_LEAD_MS } from "./stack-window.js";

export interface ActionStep {
  readonly name: string;
  readonly category: string | null;
  readonly provider: string | null;
  readonly status: string;
  readonly startedAt: string | null;
  readonly endedAt: string | null;
  readonly summary: string | null;
  readonly externalUrl: string | null;
}

export interface StageStep {
  readonly name: string;
  readonly status: string;
  readonly actions: readonly ActionStep[];
}

export interface RunView {
  readonly pipeline: string;
  readonly executionId: string;
  readonly status: string;
  readonly summary: string | null;
  readonly commit: string | null;
  readonly trigger: string | null;
  readonly startedAt: string | null;
  readonly updatedAt: string | null;
  readonly finished: boolean;
  readonly stages: readonly StageStep[];
  /** Manual approvals waiting in this run (Approve / Reject answer them). */
  readonly waiting: readonly { readonly stage: string; readonly action: string }[];
  readonly log: readonly LogLine[];
}

export interface RunSources {
  readonly codepipeline: CodePipelineClient;
  readonly cloudformation: CloudFormationClient;
  readonly logs: CloudWatchLogsClient;
}

/** Bounds: a page is for reading, not an archive (the consoles hold the rest). */
const MAX_BUILD_LINES = 5_000;
const MAX_STACK_EVENT_PAGES = 5;
/** How far back the run before this one is looked for (its start bounds this run's stack events). */
const NEIGHBOUR_RUNS = 25;

/**
 * A run stage by stage with its aggregated log: the pipeline's action records, CodeBuild's lines
 * from CloudWatch Logs, and the CloudFormation events of every stack a deploy action named within
 * the run's time, and of the environment's stack: the operation that prepared this run (not an
 * earlier run's) and what happened to it while the run ran (src/read-model/stack-window.ts).
 */
export async function readRun(
  aws: RunSources,
  pipeline: string,
  executionId: string,
  environmentStack: string,
  now = new Date(),
): Promise<RunView> {
  const [execution, neighbours] = await Promise.all([
    aws.codepipeline
      .send(new GetPipelineExecutionCommand({ pipelineName: pipeline, pipelineExecutionId: executionId }))
      .then((r) => r.pipelineExecution),
    aws.codepipeline
      .send(new ListPipelineExecutionsCommand({ pipelineName: pipeline, maxResults: NEIGHBOUR_RUNS }))
      .then((r) => r.pipelineExecutionSummaries ?? []),
  ]);
  const version = execution?.pipelineVersion;
  const structure = (
    await aws.codepipeline.send(
      new GetPipelineCommand({ name: pipeline, ...(version !== undefined ? { version } : {}) }),
    )
  ).pipeline;
  const details: ActionExecutionDetail[] = [];
  for await (const page of paginateListActionExecutions(
    { client: aws.codepipeline },
    { pipelineName: pipeline, filter: { pipelineExecutionId: executionId } },
  )) {
    details.push(...(page.actionExecutionDetails ?? []));
  }
  // Newest first: a retried action shows its latest attempt.
  const latest = new Map<string, ActionExecutionDetail>();
  for (const d of details)
    if (!latest.has(`${d.stageName}/${d.actionName}`)) latest.set(`${d.stageName}/${d.actionName}`, d);
  const records: ActionRecord[] = [...latest.values()].map((d) => ({
    stage: d.stageName ?? "",
    action: d.actionName ?? "",
    provider: d.input?.actionTypeId?.provider,
    status: d.status ?? "InProgress",
    startedAt: d.startTime,
    updatedAt: d.lastUpdateTime,
    summary: d.output?.executionResult?.externalExecutionSummary,
    error: d.output?.executionResult?.errorDetails?.message,
  }));
  const status = execution?.status ?? "InProgress";
  const finished = status !== "InProgress" && status !== "Stopping";
  const starts = records.flatMap((r) => (r.startedAt ? [r.startedAt.getTime()] : []));
  const ends = records.flatMap((r) => (r.updatedAt ? [r.updatedAt.getTime()] : []));
  const startedAt = starts.length > 0 ? new Date(Math.min(...starts)) : undefined;
  const endedAt = finished && ends.length > 0 ? new Date(Math.max(...ends)) : now;
  // Newest first: the run listed after this one is the one before it.
  const position = neighbours.findIndex((n) => n.pipelineExecutionId === executionId);
  const runStart = neighbours[position]?.startTime ?? startedAt;
  const previousStartedAt = position >= 0 ? (neighbours[position + 1]?.startTime ?? null) : null;

  const stacks = new Set([environmentStack]);
  const builds: { project: string; buildId: string; origin: string }[] = [];
  for (const d of latest.values()) {
    const provider = d.input?.actionTypeId?.provider;
    const config = d.input?.configuration ?? {};
    if (provider === "CloudFormation" && config.StackName) stacks.add(config.StackName);
    const buildId = d.output?.executionResult?.externalExecutionId;
    if (provider === "CodeBuild" && buildId && buildId.includes(":"))
      builds.push({
        project: buildId.slice(0, buildId.indexOf(":")),
        buildId,
        origin: `${d.stageName} / ${d.actionName}`,
      });
  }
  const [buildRecords, stackRecords] = await Promise.all([
    Promise.all(builds.map((b) => buildLog(aws.logs, b.project, b.buildId, b.origin))).then((all) => all.flat()),
    runStart
      ? Promise.all(
          [...stacks].map(async (s) => {
            if (s !== environmentStack) return stackEvents(aws.cloudformation, s, runStart, endedAt);
            const events = await stackEvents(
              aws.cloudformation,
              s,
              new Date(runStart.getTime() - STACK_LEAD_MS),
              endedAt,
            );
            return runStackEvents(events, { startedAt: runStart, endedAt, previousStartedAt });
          }),
        ).then((all) => all.flat())
      : Promise.resolve([]),
  ]);

  const stages: StageStep[] = (structure?.stages ?? []).map((stage) => {
    const actions: ActionStep[] = (stage.actions ?? []).map((declared) => {
      const record = latest.get(`${stage.name}/${declared.name}`);
      return {
        name: declared.name ?? "",
        category: declared.actionTypeId?.category ?? null,
        provider: declared.actionTypeId?.provider ?? null,
        status: record?.status ?? "NotStarted",
        startedAt: record?.startTime?.toISOString() ?? null,
        endedAt: record && record.status !== "InProgress" ? (record.lastUpdateTime?.toISOString() ?? null) : null,
        summary: readableSummary(
          record?.output?.executionResult?.errorDetails?.message ??
            record?.output?.executionResult?.externalExecutionSummary,
        ),
        externalUrl: record?.output?.executionResult?.externalExecutionUrl ?? null,
      };
    });
    return { name: stage.name ?? "", status: stageStatus(actions), actions };
  });
  return {
    pipeline,
    executionId,
    status,
    summary: execution?.statusSummary ?? null,
    commit: execution?.artifactRevisions?.[0]?.revisionId ?? null,
    trigger: execution?.trigger?.triggerType ?? null,
    startedAt: startedAt?.toISOString() ?? null,
    updatedAt: ends.length > 0 ? new Date(Math.max(...ends)).toISOString() : null,
    finished,
    stages,
    waiting: stages.flatMap((s) =>
      s.actions
        .filter((a) => a.category === "Approval" && a.status === "InProgress")
        .map((a) => ({ stage: s.name, action: a.name })),
    ),
    log: aggregateLog(pipelineLines(records), stackLines(stackRecords), buildLines(buildRecords)),
  };
}

/** Source actions summarise their revision as JSON (`{"CommitMessage": ...}`): people read the message. */
export function readableSummary(summary: string | undefined): string | null {
  if (summary === undefined || summary === "") return null;
  if (!summary.startsWith("{")) return summary;
  try {
    const parsed = JSON.parse(summary) as { CommitMessage?: unknown };
    return typeof parsed.CommitMessage === "string" ? parsed.CommitMessage : summary;
  } catch {
    return summary;
  }
}

/** A stage as people read it: failed if any action failed, running while any runs, done when all are. */
export function stageStatus(actions: readonly { readonly status: string }[]): string {
  const statuses = actions.map((a) => a.status);
  if (statuses.includes("Failed")) return "Failed";
  if (statuses.includes("InProgress")) return "InProgress";
  if (statuses.length > 0 && statuses.every((s) => s === "Succeeded")) return "Succeeded";
  if (statuses.every((s) => s === "NotStarted")) return "NotStarted";
  return statuses.find((s) => s !== "Succeeded" && s !== "NotStarted") ?? "InProgress";
}

async function buildLog(
  logs: CloudWatchLogsClient,
  project: string,
  buildId: string,
  origin: string,
): Promise<BuildLineRecord[]> {
  const lines: BuildLineRecord[] = [];
  let token: string | undefined;
  try {
    while (lines.length < MAX_BUILD_LINES) {
      const page = await logs.send(
        new GetLogEventsCommand({
          logGroupName: `/aws/codebuild/${project}`,
          logStreamName: buildId.slice(buildId.indexOf(":") + 1),
          startFromHead: true,
          ...(token ? { nextToken: token } : {}),
        }),
      );
      for (const e of page.events ?? []) lines.push({ origin, at: new Date(e.timestamp ?? 0), text: e.message ?? "" });
      // CloudWatch Logs answers the same forward token when there is nothing more.
      if (!page.nextForwardToken || page.nextForwardToken === token || (page.events ?? []).length === 0) break;
      token = page.nextForwardToken;
    }
  } catch (error) {
    // A build that has not written yet (or a project logging elsewhere) has no stream: no lines, not an error.
    if ((error as { name?: string }).name !== "ResourceNotFoundException") throw error;
  }
  return lines.slice(0, MAX_BUILD_LINES);
}

async function stackEvents(
  cfn: CloudFormationClient,
  stack: string,
  from: Date,
  to: Date,
): Promise<StackEventRecord[]> {
  const found: StackEventRecord[] = [];
  let token: string | undefined;
  try {
    for (let page = 0; page < MAX_STACK_EVENT_PAGES; page++) {
      const answer = await cfn.send(
        new DescribeStackEventsCommand({ StackName: stack, ...(token ? { NextToken: token } : {}) }),
      );
      const events = answer.StackEvents ?? [];
      for (const e of events) {
        if (!e.Timestamp || e.Timestamp < from || e.Timestamp > to) continue;
        found.push({
          stack,
          at: e.Timestamp,
          logicalId: e.LogicalResourceId ?? "",
          resourceType: e.ResourceType ?? "",
          status: e.ResourceStatus ?? "",
          reason: e.ResourceStatusReason,
          token: e.ClientRequestToken,
        });
      }
      // Newest first: once a page reaches before the run, older pages do not matter.
      const oldest = events.at(-1)?.Timestamp;
      if (!answer.NextToken || (oldest && oldest < from)) break;
      token = answer.NextToken;
    }
  } catch (error) {
    if (!/does not exist/.test((error as Error).message ?? "")) throw error;
  }
  return found.reverse();
}
