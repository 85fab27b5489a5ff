import { paginateDescribeStacks, type CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { ListPipelineExecutionsCommand, type CodePipelineClient } from "@aws-sdk/client-codepipeline";
import { MANAGED_BY_VALUE, TAG } from "../core/tags.js";
import { snapshot } from "./stacks.js";
import type { StackSnapshot } from "../core/stack-snapshot.js";

/** Every stack whose tags say branchline manages it, found by tags and never from memory. */
export async function listManagedStacks(cfn: CloudFormationClient): Promise<StackSnapshot[]> {
  const found: StackSnapshot[] = [];
  for await (const page of paginateDescribeStacks({ client: cfn }, {})) {
    for (const stack of page.Stacks ?? []) {
      const view = snapshot(stack);
      if (view.tags[TAG.managedBy] === MANAGED_BY_VALUE && view.status !== "DELETE_COMPLETE") found.push(view);
    }
  }
  return found;
}

export interface PipelineActivity {
  /** The newest run branchline started, and its commit. */
  readonly lastRunId: string | undefined;
  readonly lastRunCommit: string | undefined;
  /** When that run started: the last push branchline deployed. */
  readonly lastRunStartedAt?: Date;
  /** Runs branchline started that are still going. */
  readonly inProgress: readonly string[];
}

/** The trigger of the runs branchline starts; a pipeline also runs once by itself when created. */
export const BRANCHLINE_TRIGGER = "StartPipelineExecution";

/**
 * The newest executions of a pipeline that branchline started: which commit ran last, and which
 * runs are still going. The run CodePipeline starts by itself on creation is not branchline's.
 */
export async function pipelineActivity(codepipeline: CodePipelineClient, pipeline: string): Promise<PipelineActivity> {
  try {
    const result = await codepipeline.send(
      new ListPipelineExecutionsCommand({ pipelineName: pipeline, maxResults: 10 }),
    );
    const executions = (result.pipelineExecutionSummaries ?? []).filter(
      (e) => e.trigger?.triggerType === BRANCHLINE_TRIGGER,
    );
    return {
      lastRunId: executions[0]?.pipelineExecutionId,
      lastRunCommit: executions[0]?.sourceRevisions?.[0]?.revisionId,
      ...(executions[0]?.startTime ? { lastRunStartedAt: executions[0].startTime } : {}),
      inProgress: executions
        .filter((e) => e.status === "InProgress")
        .flatMap((e) => (e.pipelineExecutionId ? [e.pipelineExecutionId] : [])),
    };
  } catch (error) {
    // A stack whose pipeline is gone (a failed create) has no activity; the planner repairs it.
    if ((error as { name?: string }).name === "PipelineNotFoundException")
      return { lastRunId: undefined, lastRunCommit: undefined, inProgress: [] };
    throw error;
  }
}
