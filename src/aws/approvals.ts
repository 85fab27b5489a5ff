import {
  GetPipelineCommand,
  GetPipelineStateCommand,
  PutApprovalResultCommand,
  type CodePipelineClient,
} from "@aws-sdk/client-codepipeline";

/** A manual approval action that waits for an answer in one execution, with the token to answer it. */
export interface WaitingApproval {
  readonly stage: string;
  readonly action: string;
  readonly token: string;
}

/**
 * The approvals that wait in exactly this execution, read from GetPipelineState at the moment of the
 * click (the token changes with every run of the action, so it is never stored). A stage whose
 * latest execution is another one is not this run's business.
 */
export async function waitingApprovals(
  codepipeline: CodePipelineClient,
  pipeline: string,
  executionId: string,
): Promise<WaitingApproval[]> {
  const state = await codepipeline.send(new GetPipelineStateCommand({ name: pipeline }));
  const waiting: WaitingApproval[] = [];
  for (const stage of state.stageStates ?? []) {
    if (stage.latestExecution?.pipelineExecutionId !== executionId) continue;
    for (const action of stage.actionStates ?? []) {
      const latest = action.latestExecution;
      if (latest?.status === "InProgress" && latest.token && stage.stageName && action.actionName) {
        waiting.push({ stage: stage.stageName, action: action.actionName, token: latest.token });
      }
    }
  }
  return waiting;
}

export type ApprovalAnswer = "Approved" | "Rejected";

/** Answers one waiting approval. CodePipeline keeps `summary` with the action: who answered, and when. */
export async function putApprovalResult(
  codepipeline: CodePipelineClient,
  request: { pipeline: string; approval: WaitingApproval; status: ApprovalAnswer; summary: string },
): Promise<void> {
  await codepipeline.send(
    new PutApprovalResultCommand({
      pipelineName: request.pipeline,
      stageName: request.approval.stage,
      actionName: request.approval.action,
      token: request.approval.token,
      // CodePipeline allows 512 characters.
      result: { status: request.status, summary: request.summary.slice(0, 512) },
    }),
  );
}

/** Whether the pipeline, as it stands, has a manual approval action anywhere. */
export async function hasApprovalAction(codepipeline: CodePipelineClient, pipeline: string): Promise<boolean> {
  const result = await codepipeline.send(new GetPipelineCommand({ name: pipeline }));
  return (result.pipeline?.stages ?? []).some((stage) =>
    (stage.actions ?? []).some((action) => action.actionTypeId?.category === "Approval"),
  );
}

/** CodePipeline's answers when an approval was answered already, or the token is stale. */
export function isStaleApproval(error: unknown): boolean {
  const name = (error as { name?: string } | null)?.name ?? "";
  return (
    name === "ApprovalAlreadyCompletedException" ||
    name === "InvalidApprovalTokenException" ||
    name === "ActionNotFoundException"
  );
}
