import { SchedulerClosed, type Scheduler } from "../clock.js";
import type { CodeBuildStore } from "../codebuild.js";
import type { IamStore } from "../iam.js";
import type { Timing } from "../options.js";
import type { S3Store } from "../s3/store.js";
import type { ContextEnv } from "./context.js";
import { evalContext } from "./context.js";
import type { StackFailures, ScriptedFailure } from "./failures.js";
import { evaluate, outputString, type EvalContext } from "./intrinsics.js";
import type { Deployment, Output, ResourceState, ResourceStatus, Stack, StackStatus } from "./model.js";
import { provisionerFor, ResourceFailure, type PipelineProvisioning, type ProvisionEnv } from "./resources.js";
import type { StackStore } from "./stack-store.js";

export interface CloudFormationDeps {
  readonly region: string;
  readonly accountId: string;
  readonly scheduler: Scheduler;
  readonly timing: Timing;
  readonly store: StackStore;
  readonly s3: S3Store;
  readonly iam: IamStore;
  readonly codebuild: CodeBuildStore;
  readonly pipelines: PipelineProvisioning;
  readonly failures: StackFailures;
  readonly onError: (error: unknown) => void;
}

export type OperationOutcome = "succeeded" | "failed";
export type Completion = (outcome: OperationOutcome) => void;

/** Decides whether the scripted failure lands on this resource: the named one, else the first touched. */
export class FailurePoint {
  private touched = false;

  constructor(private readonly failure: ScriptedFailure | undefined) {}

  reasonFor(logicalId: string): string | undefined {
    const first = !this.touched;
    this.touched = true;
    if (!this.failure) return undefined;
    const hit = this.failure.resource ? this.failure.resource === logicalId : first;
    return hit ? this.failure.reason : undefined;
  }
}

/** The primitives stack operations are made of: resource steps with their events, pacing, outputs. */
export class StackRuntime {
  readonly env: ContextEnv;

  constructor(readonly deps: CloudFormationDeps) {
    this.env = { region: deps.region, accountId: deps.accountId, exportValue: (name) => deps.store.exportValue(name) };
  }

  get store(): StackStore {
    return this.deps.store;
  }

  spawn(task: () => Promise<void>): void {
    this.deps.scheduler.spawn(task, this.deps.onError);
  }

  /**
   * Runs a stack operation; should it break unexpectedly, the stack lands in `fallback` with the
   * error as its reason instead of staying IN_PROGRESS for ever.
   */
  spawnOperation(stack: Stack, fallback: StackStatus, task: () => Promise<void>, done?: Completion): void {
    this.deps.scheduler.spawn(
      () =>
        task().catch((error: unknown) => {
          if (error instanceof SchedulerClosed) throw error;
          this.deps.onError(error);
          this.store.setStatus(stack, fallback, error instanceof Error ? error.message : String(error));
          done?.("failed");
        }),
      this.deps.onError,
    );
  }

  /** A stack operation's duration spread over its steps. */
  stepMs(steps: number): number {
    return this.deps.timing.stackOperationMs / (steps + 1);
  }

  sleep(ms: number): Promise<void> {
    return this.deps.scheduler.sleep(ms);
  }

  context(stack: Stack, deployment: Deployment): EvalContext {
    return evalContext(this.env, stack, deployment);
  }

  provisionEnv(stack: Stack, logicalId: string): ProvisionEnv {
    const { region, accountId, s3, iam, codebuild, pipelines } = this.deps;
    return { stackName: stack.stackName, logicalId, region, accountId, s3, iam, codebuild, pipelines };
  }

  mark(stack: Stack, state: ResourceState, status: ResourceStatus, reason?: string): void {
    state.status = status;
    state.statusReason = reason;
    state.updatedAt = this.deps.scheduler.now();
    this.store.resourceEvent(stack, state, reason);
  }

  evaluateProperties(stack: Stack, deployment: Deployment, logicalId: string): Record<string, unknown> {
    const resource = deployment.template.Resources[logicalId]!;
    return evaluate(resource.Properties ?? {}, this.context(stack, deployment)) as Record<string, unknown>;
  }

  /** Creates one resource; returns the failure reason, if it failed. */
  createResource(
    stack: Stack,
    deployment: Deployment,
    logicalId: string,
    failureReason: string | undefined,
  ): string | undefined {
    const resource = deployment.template.Resources[logicalId]!;
    const state: ResourceState = {
      logicalId,
      type: resource.Type,
      physicalId: undefined,
      status: "CREATE_IN_PROGRESS",
      statusReason: undefined,
      updatedAt: this.deps.scheduler.now(),
      properties: {},
      attributes: {},
      deletionPolicy: resource.DeletionPolicy,
    };
    stack.resources.set(logicalId, state);
    try {
      state.properties = this.evaluateProperties(stack, deployment, logicalId);
      this.mark(stack, state, "CREATE_IN_PROGRESS");
      if (failureReason) throw new ResourceFailure(failureReason);
      const made = provisionerFor(resource.Type).create(this.provisionEnv(stack, logicalId), state.properties);
      state.physicalId = made.physicalId;
      state.attributes = made.attributes;
      this.mark(stack, state, "CREATE_IN_PROGRESS", "Resource creation Initiated");
      this.mark(stack, state, "CREATE_COMPLETE");
      return undefined;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.mark(stack, state, "CREATE_FAILED", reason);
      return reason;
    }
  }

  /** Deletes one resource (honouring DeletionPolicy Retain); returns the failure reason, if any. */
  deleteResource(
    stack: Stack,
    logicalId: string,
    failureReason: string | undefined,
    retain = false,
  ): string | undefined {
    const state = stack.resources.get(logicalId);
    if (!state || state.status === "DELETE_COMPLETE" || state.status === "DELETE_SKIPPED") return undefined;
    if (retain || state.deletionPolicy === "Retain" || state.deletionPolicy === "RetainExceptOnCreate") {
      this.mark(stack, state, "DELETE_SKIPPED");
      return undefined;
    }
    this.mark(stack, state, "DELETE_IN_PROGRESS");
    try {
      if (failureReason) throw new ResourceFailure(failureReason);
      if (state.physicalId !== undefined)
        provisionerFor(state.type).delete(this.provisionEnv(stack, logicalId), state.physicalId);
      this.mark(stack, state, "DELETE_COMPLETE");
      return undefined;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.mark(stack, state, "DELETE_FAILED", reason);
      return reason;
    }
  }

  computeOutputs(stack: Stack, deployment: Deployment): Output[] {
    const ctx = this.context(stack, deployment);
    const outputs: Output[] = [];
    for (const [key, output] of Object.entries(deployment.template.Outputs ?? {})) {
      if (output.Condition !== undefined && !ctx.condition(output.Condition)) continue;
      const definition = output as { Value: unknown; Description?: string; Export?: { Name?: unknown } };
      outputs.push({
        key,
        value: outputString(evaluate(definition.Value, ctx)),
        description: definition.Description,
        exportName:
          definition.Export?.Name === undefined ? undefined : outputString(evaluate(definition.Export.Name, ctx)),
      });
    }
    return outputs;
  }
}

export function failureList(ids: readonly string[]): string {
  return `[${ids.join(", ")}]`;
}
