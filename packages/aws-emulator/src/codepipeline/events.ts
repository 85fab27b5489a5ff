import { uuid } from "../ids.js";
import type { ActionRun, Execution } from "./model.js";

/** The EventBridge events CodePipeline emits, in the shape EventBridge delivers them. */

export type PipelineEventState =
  "STARTED" | "SUCCEEDED" | "FAILED" | "SUPERSEDED" | "CANCELED" | "STOPPED" | "STOPPING" | "RESUMED" | "ABANDONED";

export type PipelineEventDetailType =
  | "CodePipeline Pipeline Execution State Change"
  | "CodePipeline Stage Execution State Change"
  | "CodePipeline Action Execution State Change";

export interface PipelineEventDetail {
  readonly pipeline: string;
  readonly "execution-id": string;
  readonly state: PipelineEventState;
  readonly version: number;
  readonly "execution-trigger"?: { readonly "trigger-type": string; readonly "trigger-detail": string };
  readonly "start-time"?: string;
  readonly stage?: string;
  readonly action?: string;
  readonly region?: string;
  readonly type?: {
    readonly owner: string;
    readonly provider: string;
    readonly category: string;
    readonly version: string;
  };
  readonly "execution-result"?: {
    readonly "external-execution-url"?: string;
    readonly "external-execution-summary"?: string;
    readonly "external-execution-id"?: string;
    readonly "error-code"?: string;
  };
}

export interface PipelineEvent {
  readonly version: "0";
  readonly id: string;
  readonly "detail-type": PipelineEventDetailType;
  readonly source: "aws.codepipeline";
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: PipelineEventDetail;
}

export interface EventScope {
  readonly account: string;
  readonly region: string;
  readonly pipelineArn: string;
  readonly now: Date;
}

function envelope(scope: EventScope, detailType: PipelineEventDetailType, detail: PipelineEventDetail): PipelineEvent {
  return {
    version: "0",
    id: uuid(),
    "detail-type": detailType,
    source: "aws.codepipeline",
    account: scope.account,
    // EventBridge times have second precision.
    time: scope.now.toISOString().replace(/\.\d{3}Z$/, "Z"),
    region: scope.region,
    resources: [scope.pipelineArn],
    detail,
  };
}

function base(execution: Execution, state: PipelineEventState): PipelineEventDetail {
  return {
    pipeline: execution.pipelineName,
    "execution-id": execution.pipelineExecutionId,
    state,
    version: execution.pipelineVersion,
    "execution-trigger": {
      "trigger-type": execution.trigger.triggerType,
      "trigger-detail": execution.trigger.triggerDetail,
    },
    "start-time": execution.startTime.toISOString(),
  };
}

export function pipelineEvent(scope: EventScope, execution: Execution, state: PipelineEventState): PipelineEvent {
  return envelope(scope, "CodePipeline Pipeline Execution State Change", base(execution, state));
}

export function stageEvent(
  scope: EventScope,
  execution: Execution,
  stage: string,
  state: PipelineEventState,
): PipelineEvent {
  return envelope(scope, "CodePipeline Stage Execution State Change", { ...base(execution, state), stage });
}

export function actionEvent(
  scope: EventScope,
  execution: Execution,
  action: ActionRun,
  state: PipelineEventState,
): PipelineEvent {
  const finished = state === "SUCCEEDED" || state === "FAILED";
  const result = finished
    ? {
        "external-execution-url": action.externalExecutionUrl,
        "external-execution-summary": action.summary,
        "external-execution-id": action.externalExecutionId,
        ...(action.errorDetails ? { "error-code": action.errorDetails.code } : {}),
      }
    : undefined;
  return envelope(scope, "CodePipeline Action Execution State Change", {
    ...base(execution, state),
    stage: action.stageName,
    action: action.actionName,
    region: scope.region,
    type: { ...action.actionTypeId },
    ...(result ? { "execution-result": result } : {}),
  });
}
