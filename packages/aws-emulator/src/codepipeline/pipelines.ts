import { AwsError } from "../errors.js";
import { fakeCommit, uuid } from "../ids.js";
import type { PipelineProvisioning } from "../cloudformation/resources.js";
import { sameStructure, validateDeclaration, type PipelineDeclaration } from "./declaration.js";
import { StageGates } from "./gates.js";
import { Lifeline } from "./interrupts.js";
import { isFinished, type ArtifactRevision, type Execution, type Pipeline, type TriggerType } from "./model.js";
import { Runner, type ApprovalResult, type RunnerDeps } from "./runner.js";

export interface StartInput {
  readonly clientRequestToken?: string;
  readonly variables?: readonly { readonly name: string; readonly value: string }[];
  readonly sourceRevisions?: readonly {
    readonly actionName: string;
    readonly revisionType: string;
    readonly revisionValue: string;
  }[];
}

/** Which source providers accept which revision override types. */
const REVISION_TYPES: Record<string, readonly string[]> = {
  CodeStarSourceConnection: ["COMMIT_ID"],
  CodeCommit: ["COMMIT_ID"],
  S3: ["S3_OBJECT_VERSION_ID", "S3_OBJECT_KEY"],
  ECR: ["IMAGE_DIGEST"],
};

function validation(message: string): AwsError {
  return new AwsError("ValidationException", message, 400);
}

/** Pipelines and their executions: the state behind the CodePipeline API and CloudFormation's pipeline resources. */
export class Pipelines implements PipelineProvisioning {
  private readonly pipelines = new Map<string, Pipeline>();
  private readonly executions = new Map<string, Execution[]>();
  private readonly lifelines = new Map<string, Lifeline>();
  private readonly gates = new Map<string, StageGates>();
  private readonly tokens = new Map<string, string>();
  private sequence = 0;
  readonly runner: Runner;

  constructor(private readonly deps: RunnerDeps) {
    this.runner = new Runner(deps);
  }

  list(): Pipeline[] {
    return [...this.pipelines.values()].sort((a, b) => a.declaration.name.localeCompare(b.declaration.name));
  }

  get(name: string): Pipeline {
    const pipeline = this.pipelines.get(name);
    if (!pipeline)
      throw new AwsError(
        "PipelineNotFoundException",
        `Account '${this.deps.accountId}' does not have a pipeline with name '${name}'`,
        400,
      );
    return pipeline;
  }

  /** Newest first. */
  executionsOf(name: string): Execution[] {
    return this.executions.get(name) ?? [];
  }

  execution(name: string, executionId: string): Execution {
    this.get(name);
    const found = this.executionsOf(name).find((e) => e.pipelineExecutionId === executionId);
    if (!found) {
      throw new AwsError(
        "PipelineExecutionNotFoundException",
        `Pipeline execution with ID '${executionId}' does not exist in pipeline with name '${name}'.`,
        400,
      );
    }
    return found;
  }

  inbound(name: string, stage: string): string[] {
    return this.gates.get(name)?.inbound(stage) ?? [];
  }

  createPipeline(declaration: PipelineDeclaration): { arn: string; version: number } {
    validateDeclaration(declaration);
    if (this.pipelines.has(declaration.name)) {
      throw new AwsError(
        "PipelineNameInUseException",
        `A pipeline with the name '${declaration.name}' already exists in account '${this.deps.accountId}'`,
        400,
      );
    }
    const now = this.deps.scheduler.now();
    const pipeline: Pipeline = {
      declaration: { ...declaration, version: 1 },
      arn: `arn:aws:codepipeline:${this.deps.region}:${this.deps.accountId}:${declaration.name}`,
      created: now,
      updated: now,
      version: 1,
    };
    this.pipelines.set(declaration.name, pipeline);
    this.gates.set(declaration.name, new StageGates(declaration.executionMode ?? "SUPERSEDED"));
    // A new pipeline runs once by itself, as in AWS.
    this.start(
      declaration.name,
      {},
      "CreatePipeline",
      `arn:aws:sts::${this.deps.accountId}:assumed-role/cloudformation`,
    );
    return { arn: pipeline.arn, version: 1 };
  }

  /** A structure change bumps the version and cancels executions in progress. */
  updatePipeline(declaration: PipelineDeclaration): { version: number } {
    validateDeclaration(declaration);
    const pipeline = this.get(declaration.name);
    if (sameStructure(pipeline.declaration, declaration)) return { version: pipeline.version };
    pipeline.version += 1;
    pipeline.declaration = { ...declaration, version: pipeline.version };
    pipeline.updated = this.deps.scheduler.now();
    for (const execution of this.executionsOf(declaration.name)) {
      if (!isFinished(execution.status)) this.lifelines.get(execution.pipelineExecutionId)?.interrupt("cancelled");
    }
    this.gates.set(declaration.name, new StageGates(declaration.executionMode ?? "SUPERSEDED"));
    return { version: pipeline.version };
  }

  deletePipeline(name: string): void {
    for (const execution of this.executionsOf(name))
      this.lifelines.get(execution.pipelineExecutionId)?.interrupt("deleted");
    this.pipelines.delete(name);
    this.executions.delete(name);
    this.gates.delete(name);
  }

  start(
    name: string,
    input: StartInput,
    triggerType: TriggerType = "StartPipelineExecution",
    triggerDetail = "",
  ): Execution {
    const pipeline = this.get(name);
    const tokenKey = input.clientRequestToken ? `${name}:${input.clientRequestToken}` : undefined;
    const again = tokenKey ? this.tokens.get(tokenKey) : undefined;
    if (again) return this.execution(name, again);
    const declaration = pipeline.declaration;
    const v2 = declaration.pipelineType === "V2";
    if ((input.variables?.length ?? 0) > 0 && !v2)
      throw validation("Pipeline variables are supported only for pipeline type V2");
    if ((input.sourceRevisions?.length ?? 0) > 0 && !v2)
      throw validation("Source revision overrides are supported only for pipeline type V2");
    const declared = declaration.variables ?? [];
    for (const variable of input.variables ?? []) {
      if (!declared.some((d) => d.name === variable.name)) {
        throw validation(`Pipeline variable '${variable.name}' is not defined in the pipeline ${name}`);
      }
    }
    const sources = declaration.stages[0]?.actions ?? [];
    for (const override of input.sourceRevisions ?? []) {
      const source = sources.find((a) => a.name === override.actionName);
      if (!source) throw validation(`Source action '${override.actionName}' does not exist in pipeline ${name}`);
      if (!(REVISION_TYPES[source.actionTypeId.provider] ?? []).includes(override.revisionType)) {
        throw validation(
          `Revision type ${override.revisionType} is not supported for the ${source.actionTypeId.provider} action ${override.actionName}`,
        );
      }
    }
    const now = this.deps.scheduler.now();
    const artifactRevisions: ArtifactRevision[] = sources.flatMap((action) => {
      const override = input.sourceRevisions?.find((o) => o.actionName === action.name);
      const revisionId = override?.revisionValue ?? fakeCommit();
      const repository = action.configuration?.FullRepositoryId;
      return (action.outputArtifacts ?? []).map((artifact) => ({
        name: artifact.name,
        actionName: action.name,
        revisionId,
        revisionSummary: JSON.stringify({ ProviderType: "GitHub", CommitMessage: `Commit ${revisionId.slice(0, 7)}` }),
        revisionUrl: repository ? `https://github.com/${repository}/commit/${revisionId}` : undefined,
        created: now,
      }));
    });
    const execution: Execution = {
      pipelineName: name,
      pipelineVersion: pipeline.version,
      pipelineExecutionId: uuid(),
      executionMode: declaration.executionMode ?? "SUPERSEDED",
      trigger: { triggerType, triggerDetail },
      startTime: now,
      artifactRevisions,
      variables: declared.map((d) => ({
        name: d.name,
        resolvedValue: input.variables?.find((v) => v.name === d.name)?.value ?? d.defaultValue ?? "",
      })),
      clientRequestToken: input.clientRequestToken,
      sequence: this.sequence++,
      status: "InProgress",
      statusSummary: undefined,
      lastUpdateTime: now,
      stopReason: undefined,
      stages: [],
      actions: [],
    };
    this.executions.set(name, [execution, ...this.executionsOf(name)]);
    if (tokenKey) this.tokens.set(tokenKey, execution.pipelineExecutionId);
    const life = new Lifeline();
    this.lifelines.set(execution.pipelineExecutionId, life);
    this.runner.start(pipeline, execution, life, this.gates.get(name)!);
    return execution;
  }

  stop(name: string, executionId: string, abandon: boolean, reason: string | undefined): Execution {
    const execution = this.execution(name, executionId);
    const life = this.lifelines.get(executionId);
    if (execution.status === "Stopping" && !abandon) {
      throw new AwsError("DuplicatedStopRequestException", `Execution ${executionId} is already being stopped`, 400);
    }
    if (isFinished(execution.status) || !life) {
      throw new AwsError(
        "PipelineExecutionNotStoppableException",
        `Unable to stop pipeline execution ${executionId} since it is in ${execution.status} state`,
        400,
      );
    }
    execution.stopReason = reason;
    if (!abandon) {
      life.stopRequested = true;
      execution.status = "Stopping";
      execution.lastUpdateTime = this.deps.scheduler.now();
      this.runner.emit(this.get(name), execution, "STOPPING");
    }
    // Nothing running that could finish (waiting at a stage gate or for an approval): stop at once.
    const working = execution.actions.some((a) => a.status === "InProgress" && a.token === undefined);
    if (abandon || !working) life.interrupt("abandoned");
    return execution;
  }

  approve(name: string, stageName: string, actionName: string, token: string, result: ApprovalResult): Date {
    const pipeline = this.get(name);
    const stage = pipeline.declaration.stages.find((s) => s.name === stageName);
    if (!stage) throw new AwsError("StageNotFoundException", `Stage ${stageName} not found in pipeline ${name}`, 400);
    if (!stage.actions.some((a) => a.name === actionName)) {
      throw new AwsError("ActionNotFoundException", `Action ${actionName} not found in stage ${stageName}`, 400);
    }
    const runs = this.executionsOf(name)
      .flatMap((e) => e.actions)
      .filter((a) => a.stageName === stageName && a.actionName === actionName);
    const waiting = runs.find((a) => a.status === "InProgress" && a.token !== undefined);
    if (!waiting)
      throw new AwsError(
        "ApprovalAlreadyCompletedException",
        `The approval action ${actionName} is not waiting for approval`,
        400,
      );
    if (waiting.token !== token)
      throw new AwsError("InvalidApprovalTokenException", `The approval token ${token} is not valid`, 400);
    this.runner.approve(waiting, result);
    return this.deps.scheduler.now();
  }
}
