import { epochSeconds } from "../protocols/json.js";
import type { PipelineDeclaration } from "./declaration.js";
import type { ActionRun, Execution, Pipeline } from "./model.js";

/** CodePipeline response shapes (awsJson1_1: camelCase members, timestamps as epoch seconds). */

export function pipelineJson(pipeline: Pipeline): { pipeline: PipelineDeclaration; metadata: Record<string, unknown> } {
  return {
    pipeline: pipeline.declaration,
    metadata: {
      pipelineArn: pipeline.arn,
      created: epochSeconds(pipeline.created),
      updated: epochSeconds(pipeline.updated),
    },
  };
}

export function pipelineSummaryJson(pipeline: Pipeline): Record<string, unknown> {
  return {
    name: pipeline.declaration.name,
    version: pipeline.version,
    pipelineType: pipeline.declaration.pipelineType ?? "V1",
    executionMode: pipeline.declaration.executionMode ?? "SUPERSEDED",
    created: epochSeconds(pipeline.created),
    updated: epochSeconds(pipeline.updated),
  };
}

function trigger(execution: Execution) {
  return { triggerType: execution.trigger.triggerType, triggerDetail: execution.trigger.triggerDetail };
}

export function executionJson(execution: Execution): Record<string, unknown> {
  return {
    pipelineName: execution.pipelineName,
    pipelineVersion: execution.pipelineVersion,
    pipelineExecutionId: execution.pipelineExecutionId,
    status: execution.status,
    statusSummary: execution.statusSummary,
    artifactRevisions: execution.artifactRevisions.map((r) => ({
      name: r.name,
      revisionId: r.revisionId,
      revisionSummary: r.revisionSummary,
      revisionUrl: r.revisionUrl,
      created: epochSeconds(r.created),
    })),
    variables: execution.variables,
    trigger: trigger(execution),
    executionMode: execution.executionMode,
    executionType: "STANDARD",
  };
}

export function executionSummaryJson(execution: Execution): Record<string, unknown> {
  const seen = new Set<string>();
  return {
    pipelineExecutionId: execution.pipelineExecutionId,
    status: execution.status,
    statusSummary: execution.statusSummary,
    startTime: epochSeconds(execution.startTime),
    lastUpdateTime: epochSeconds(execution.lastUpdateTime),
    sourceRevisions: execution.artifactRevisions
      .filter((r) => !seen.has(r.actionName) && seen.add(r.actionName))
      .map((r) => ({
        actionName: r.actionName,
        revisionId: r.revisionId,
        revisionSummary: r.revisionSummary,
        revisionUrl: r.revisionUrl,
      })),
    trigger: trigger(execution),
    stopTrigger:
      execution.status === "Stopped" || execution.status === "Stopping"
        ? { reason: execution.stopReason ?? "" }
        : undefined,
    executionMode: execution.executionMode,
    executionType: "STANDARD",
  };
}

export function actionLatestJson(run: ActionRun): Record<string, unknown> {
  return {
    actionExecutionId: run.actionExecutionId,
    status: run.status,
    summary: run.summary,
    lastStatusChange: epochSeconds(run.lastUpdateTime),
    token: run.token,
    externalExecutionId: run.externalExecutionId,
    externalExecutionUrl: run.externalExecutionUrl,
    errorDetails: run.errorDetails,
  };
}

export function actionDetailJson(
  execution: Execution,
  run: ActionRun,
  region: string,
  artifactBucket: string | undefined,
): Record<string, unknown> {
  const location = (name: string) =>
    artifactBucket
      ? {
          bucket: artifactBucket,
          key: `${execution.pipelineName.slice(0, 20)}/${name.slice(0, 20)}/${run.actionExecutionId.slice(0, 7)}`,
        }
      : undefined;
  return {
    pipelineExecutionId: execution.pipelineExecutionId,
    actionExecutionId: run.actionExecutionId,
    pipelineVersion: execution.pipelineVersion,
    stageName: run.stageName,
    actionName: run.actionName,
    startTime: epochSeconds(run.startTime),
    lastUpdateTime: epochSeconds(run.lastUpdateTime),
    status: run.status,
    input: {
      actionTypeId: run.actionTypeId,
      configuration: run.configuration,
      resolvedConfiguration: run.configuration,
      roleArn: run.roleArn,
      region,
      inputArtifacts: run.inputArtifacts.map((name) => ({ name, s3location: location(name) })),
    },
    output: {
      outputArtifacts: run.outputArtifacts.map((name) => ({ name, s3location: location(name) })),
      executionResult: {
        externalExecutionId: run.externalExecutionId,
        externalExecutionSummary: run.summary,
        externalExecutionUrl: run.externalExecutionUrl,
        errorDetails: run.errorDetails,
      },
      outputVariables: {},
    },
  };
}
