import { AwsError } from "../errors.js";
import { epochSeconds, jsonErrorBody, JSON_CONTENT_TYPE, operationFromTarget } from "../protocols/json.js";
import type { ServiceHandler, ServiceRequest, ServiceResponse } from "../service.js";
import type { PipelineDeclaration } from "./declaration.js";
import type { Pipelines, StartInput } from "./pipelines.js";
import {
  actionDetailJson,
  actionLatestJson,
  executionJson,
  executionSummaryJson,
  pipelineJson,
  pipelineSummaryJson,
} from "./render.js";

const TARGET_PREFIX = "CodePipeline_20150709";

type Input = Record<string, unknown>;

function str(input: Input, name: string): string {
  const value = input[name];
  if (typeof value !== "string" || value === "") {
    throw new AwsError(
      "ValidationException",
      `1 validation error detected: Value null at '${name}' failed to satisfy constraint: Member must not be null`,
      400,
    );
  }
  return value;
}

function page<T>(items: readonly T[], input: Input): { items: T[]; nextToken: string | undefined } {
  const max = typeof input.maxResults === "number" ? input.maxResults : 100;
  const token = typeof input.nextToken === "string" ? input.nextToken : undefined;
  const start = token ? Number(Buffer.from(token, "base64url").toString("utf8")) : 0;
  if (!Number.isInteger(start) || start < 0)
    throw new AwsError("InvalidNextTokenException", "The next token is not valid", 400);
  const slice = items.slice(start, start + max);
  return {
    items: slice,
    nextToken: start + max < items.length ? Buffer.from(String(start + max)).toString("base64url") : undefined,
  };
}

/** CodePipeline over awsJson1_1. */
export class CodePipelineApi implements ServiceHandler {
  constructor(
    private readonly pipelines: Pipelines,
    private readonly region: string,
  ) {}

  operationOf(request: ServiceRequest): string {
    const target = request.headers["x-amz-target"];
    return operationFromTarget(typeof target === "string" ? target : undefined, TARGET_PREFIX) ?? "Unknown";
  }

  async handle(request: ServiceRequest, operation: string): Promise<ServiceResponse> {
    const input = (request.body.length > 0 ? JSON.parse(request.body.toString("utf8")) : {}) as Input;
    const output = this.dispatch(operation, input);
    return { status: 200, headers: { "content-type": JSON_CONTENT_TYPE }, body: JSON.stringify(output) };
  }

  renderError(error: AwsError): ServiceResponse {
    return { status: error.status, headers: { "content-type": JSON_CONTENT_TYPE }, body: jsonErrorBody(error) };
  }

  faultError(kind: "throttle" | "server-error"): AwsError {
    return kind === "throttle"
      ? new AwsError("ThrottlingException", "Rate exceeded", 400)
      : new AwsError("InternalFailure", "An internal error occurred.", 500);
  }

  private dispatch(operation: string, input: Input): unknown {
    const pipelines = this.pipelines;
    switch (operation) {
      case "GetPipeline":
        return pipelineJson(pipelines.get(str(input, "name")));
      case "ListPipelines": {
        const { items, nextToken } = page(pipelines.list(), input);
        return { pipelines: items.map(pipelineSummaryJson), nextToken };
      }
      case "CreatePipeline": {
        const declaration = input.pipeline as PipelineDeclaration;
        pipelines.createPipeline(declaration);
        return { pipeline: pipelines.get(declaration.name).declaration, tags: input.tags };
      }
      case "UpdatePipeline": {
        const declaration = input.pipeline as PipelineDeclaration;
        pipelines.updatePipeline(declaration);
        return { pipeline: pipelines.get(declaration.name).declaration };
      }
      case "DeletePipeline":
        pipelines.deletePipeline(str(input, "name"));
        return {};
      case "GetPipelineState":
        return this.state(str(input, "name"));
      case "StartPipelineExecution": {
        const execution = pipelines.start(
          str(input, "name"),
          input as StartInput,
          "StartPipelineExecution",
          "arn:aws:sts::caller",
        );
        return { pipelineExecutionId: execution.pipelineExecutionId };
      }
      case "GetPipelineExecution":
        return {
          pipelineExecution: executionJson(
            pipelines.execution(str(input, "pipelineName"), str(input, "pipelineExecutionId")),
          ),
        };
      case "ListPipelineExecutions": {
        const name = str(input, "pipelineName");
        pipelines.get(name);
        const { items, nextToken } = page(pipelines.executionsOf(name), input);
        return { pipelineExecutionSummaries: items.map(executionSummaryJson), nextToken };
      }
      case "ListActionExecutions":
        return this.actionExecutions(input);
      case "PutApprovalResult": {
        const result = input.result as { status?: string; summary?: string } | undefined;
        if (result?.status !== "Approved" && result?.status !== "Rejected") {
          throw new AwsError(
            "ValidationException",
            "1 validation error detected: Value at 'result.status' failed to satisfy constraint: Member must satisfy enum value set: [Approved, Rejected]",
            400,
          );
        }
        const approvedAt = pipelines.approve(
          str(input, "pipelineName"),
          str(input, "stageName"),
          str(input, "actionName"),
          str(input, "token"),
          {
            status: result.status,
            summary: result.summary ?? "",
          },
        );
        return { approvedAt: epochSeconds(approvedAt) };
      }
      case "StopPipelineExecution": {
        const execution = pipelines.stop(
          str(input, "pipelineName"),
          str(input, "pipelineExecutionId"),
          input.abandon === true,
          input.reason as string | undefined,
        );
        return { pipelineExecutionId: execution.pipelineExecutionId };
      }
      default:
        throw new AwsError(
          "UnknownOperationException",
          `The emulator does not implement CodePipeline ${operation}`,
          400,
        );
    }
  }

  private state(name: string): unknown {
    const pipeline = this.pipelines.get(name);
    const executions = this.pipelines.executionsOf(name);
    const stageStates = pipeline.declaration.stages.map((stage) => {
      const latest = executions.find((e) => e.stages.some((s) => s.stageName === stage.name));
      const stageRun = latest?.stages.find((s) => s.stageName === stage.name);
      const inbound = this.pipelines
        .inbound(name, stage.name)
        .map((id) => ({ pipelineExecutionId: id, status: "InProgress", type: "STANDARD" }));
      return {
        stageName: stage.name,
        inboundExecution: inbound[0],
        inboundExecutions: inbound,
        inboundTransitionState: { enabled: true },
        actionStates: stage.actions.map((action) => {
          const run = latest?.actions.filter((a) => a.stageName === stage.name && a.actionName === action.name).at(-1);
          const revision = latest?.artifactRevisions.find((r) => r.actionName === action.name);
          return {
            actionName: action.name,
            latestExecution: run ? actionLatestJson(run) : undefined,
            currentRevision: revision
              ? {
                  revisionId: revision.revisionId,
                  revisionChangeId: revision.revisionId,
                  created: epochSeconds(revision.created),
                }
              : undefined,
          };
        }),
        latestExecution:
          latest && stageRun
            ? { pipelineExecutionId: latest.pipelineExecutionId, status: stageRun.status, type: "STANDARD" }
            : undefined,
      };
    });
    return {
      pipelineName: name,
      pipelineVersion: pipeline.version,
      stageStates,
      created: epochSeconds(pipeline.created),
      updated: epochSeconds(pipeline.updated),
    };
  }

  private actionExecutions(input: Input): unknown {
    const name = str(input, "pipelineName");
    const pipeline = this.pipelines.get(name);
    const filter = input.filter as { pipelineExecutionId?: string } | undefined;
    const executions = this.pipelines
      .executionsOf(name)
      .filter((e) => !filter?.pipelineExecutionId || e.pipelineExecutionId === filter.pipelineExecutionId);
    if (filter?.pipelineExecutionId && executions.length === 0)
      this.pipelines.execution(name, filter.pipelineExecutionId);
    const details = executions.flatMap((e) => [...e.actions].reverse().map((run) => ({ e, run })));
    const { items, nextToken } = page(details, input);
    const bucket = pipeline.declaration.artifactStore?.location;
    return {
      actionExecutionDetails: items.map(({ e, run }) => actionDetailJson(e, run, this.region, bucket)),
      nextToken,
    };
  }
}
