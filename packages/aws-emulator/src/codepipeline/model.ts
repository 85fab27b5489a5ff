import type { ActionTypeId, ExecutionMode, PipelineDeclaration } from "./declaration.js";

/** CodePipeline's execution states, as the API names them (EventBridge uses upper-case words). */
export type PipelineExecutionStatus =
  "InProgress" | "Stopping" | "Stopped" | "Succeeded" | "Superseded" | "Failed" | "Cancelled";
export type StageExecutionStatus = "InProgress" | "Stopping" | "Stopped" | "Succeeded" | "Failed" | "Cancelled";
export type ActionExecutionStatus = "InProgress" | "Abandoned" | "Succeeded" | "Failed";

export type TriggerType =
  | "CreatePipeline"
  | "StartPipelineExecution"
  | "PollForSourceChanges"
  | "Webhook"
  | "CloudWatchEvent"
  | "PutActionRevision"
  | "WebhookV2";

export interface Pipeline {
  declaration: PipelineDeclaration;
  readonly arn: string;
  readonly created: Date;
  updated: Date;
  version: number;
}

export interface ArtifactRevision {
  readonly name: string;
  readonly revisionId: string;
  readonly revisionSummary: string;
  readonly revisionUrl: string | undefined;
  readonly created: Date;
  readonly actionName: string;
}

export interface ActionRun {
  readonly actionExecutionId: string;
  readonly stageName: string;
  readonly actionName: string;
  readonly actionTypeId: ActionTypeId;
  readonly configuration: Readonly<Record<string, string>>;
  readonly inputArtifacts: readonly string[];
  readonly outputArtifacts: readonly string[];
  readonly roleArn: string | undefined;
  readonly startTime: Date;
  status: ActionExecutionStatus;
  lastUpdateTime: Date;
  /** While a manual approval waits: what PutApprovalResult must present. */
  token: string | undefined;
  summary: string | undefined;
  externalExecutionId: string | undefined;
  externalExecutionUrl: string | undefined;
  errorDetails: { readonly code: string; readonly message: string } | undefined;
}

export interface StageRun {
  readonly stageName: string;
  status: StageExecutionStatus;
}

export interface Execution {
  readonly pipelineName: string;
  readonly pipelineVersion: number;
  readonly pipelineExecutionId: string;
  readonly executionMode: ExecutionMode;
  readonly trigger: { readonly triggerType: TriggerType; readonly triggerDetail: string };
  readonly startTime: Date;
  readonly artifactRevisions: readonly ArtifactRevision[];
  readonly variables: readonly { readonly name: string; readonly resolvedValue: string }[];
  readonly clientRequestToken: string | undefined;
  /** Increasing with start order, so "newer" is well defined within a millisecond. */
  readonly sequence: number;
  status: PipelineExecutionStatus;
  statusSummary: string | undefined;
  lastUpdateTime: Date;
  stopReason: string | undefined;
  /** Stages entered so far, in order. */
  readonly stages: StageRun[];
  readonly actions: ActionRun[];
}

export function isFinished(status: PipelineExecutionStatus): boolean {
  switch (status) {
    case "InProgress":
    case "Stopping":
      return false;
    case "Stopped":
    case "Succeeded":
    case "Superseded":
    case "Failed":
    case "Cancelled":
      return true;
  }
}
