import type { Scheduler } from "../clock.js";
import type { BuildLogWriter } from "./build-logs.js";
import type { Timing } from "../options.js";
import { uuid } from "../ids.js";
import { recordFailure, recordSuccess } from "./action-results.js";
import type { ActionDeclaration, StageDeclaration } from "./declaration.js";
import { actionEvent, pipelineEvent, stageEvent, type PipelineEvent, type PipelineEventState } from "./events.js";
import type { StageGates } from "./gates.js";
import { Interrupted, type Lifeline } from "./interrupts.js";
import type { ActionRun, Execution, Pipeline, PipelineExecutionStatus, StageRun } from "./model.js";
import type { ActionScripts } from "./scripts.js";
import type { DeployAction } from "./deploy-action.js";

export interface ApprovalResult {
  readonly status: "Approved" | "Rejected";
  readonly summary: string;
}

export interface RunnerDeps {
  readonly scheduler: Scheduler;
  readonly timing: Timing;
  readonly scripts: ActionScripts;
  readonly emit: (event: PipelineEvent) => void;
  readonly region: string;
  readonly accountId: string;
  readonly onError: (error: unknown) => void;
  /** Where CodeBuild actions write their log lines (CloudWatch Logs); unset, they write none. */
  readonly buildLogs?: BuildLogWriter;
}

/** Reached a stage or action boundary after StopPipelineExecution without abandon. */
class StopReached extends Error {}

/**
 * Runs executions stage by stage and action by action (RunOrder groups in parallel), on the
 * scheduler's clock, honouring stage gates, scripted outcomes, approvals and interruptions.
 */
export class Runner {
  private readonly approvals = new Map<ActionRun, (result: ApprovalResult) => void>();
  /** CloudFormation deploy actions really deploy once this is set (the stacks exist after the pipelines). */
  private deployAction: DeployAction | undefined;

  constructor(private readonly deps: RunnerDeps) {}

  deployWith(action: DeployAction): void {
    this.deployAction = action;
  }

  /** Answers a waiting approval; false when the action is not waiting. */
  approve(run: ActionRun, result: ApprovalResult): boolean {
    const resolve = this.approvals.get(run);
    if (!resolve) return false;
    this.approvals.delete(run);
    resolve(result);
    return true;
  }

  emit(pipeline: Pipeline, execution: Execution, state: PipelineEventState): void {
    this.deps.emit(pipelineEvent(this.scope(pipeline), execution, state));
  }

  start(pipeline: Pipeline, execution: Execution, life: Lifeline, gates: StageGates): void {
    const stages = [...pipeline.declaration.stages];
    this.emit(pipeline, execution, "STARTED");
    this.deps.scheduler.spawn(async () => {
      try {
        await this.runStages(pipeline, execution, stages, life, gates);
      } finally {
        gates.forget(execution.pipelineExecutionId);
      }
    }, this.deps.onError);
  }

  private scope(pipeline: Pipeline) {
    return {
      account: this.deps.accountId,
      region: this.deps.region,
      pipelineArn: pipeline.arn,
      now: this.deps.scheduler.now(),
    };
  }

  private finish(
    pipeline: Pipeline,
    execution: Execution,
    status: PipelineExecutionStatus,
    state: PipelineEventState | undefined,
    summary?: string,
  ): void {
    execution.status = status;
    execution.statusSummary = summary;
    execution.lastUpdateTime = this.deps.scheduler.now();
    if (state) this.emit(pipeline, execution, state);
  }

  private async runStages(
    pipeline: Pipeline,
    execution: Execution,
    stages: StageDeclaration[],
    life: Lifeline,
    gates: StageGates,
  ): Promise<void> {
    let current: StageRun | undefined;
    try {
      for (const stage of stages) {
        if (life.stopRequested) throw new StopReached();
        const outcome = await life.guard(gates.enter(stage.name, execution.pipelineExecutionId, execution.sequence));
        if (outcome === "superseded") throw new Interrupted("superseded");
        current = { stageName: stage.name, status: "InProgress" };
        execution.stages.push(current);
        this.deps.emit(stageEvent(this.scope(pipeline), execution, stage.name, "STARTED"));
        const succeeded = await this.runStage(pipeline, execution, stage, life);
        current.status = succeeded ? "Succeeded" : "Failed";
        this.deps.emit(stageEvent(this.scope(pipeline), execution, stage.name, succeeded ? "SUCCEEDED" : "FAILED"));
        gates.leave(stage.name, execution.pipelineExecutionId);
        if (!succeeded) {
          const failed = execution.actions.find((a) => a.stageName === stage.name && a.status === "Failed");
          this.finish(pipeline, execution, "Failed", "FAILED", failed?.errorDetails?.message);
          return;
        }
        current = undefined;
        // Stop-and-wait ends after the running actions, even when they were the last ones.
        if (life.stopRequested) throw new StopReached();
      }
      this.finish(pipeline, execution, "Succeeded", "SUCCEEDED");
    } catch (error) {
      if (error instanceof StopReached) {
        if (current) {
          current.status = "Stopped";
          this.deps.emit(stageEvent(this.scope(pipeline), execution, current.stageName, "STOPPED"));
        }
        this.finish(pipeline, execution, "Stopped", "STOPPED", execution.stopReason);
        return;
      }
      if (!(error instanceof Interrupted)) throw error;
      this.interrupted(pipeline, execution, current, error);
    }
  }

  private interrupted(
    pipeline: Pipeline,
    execution: Execution,
    current: StageRun | undefined,
    error: Interrupted,
  ): void {
    const abandonInFlight = (state: PipelineEventState) => {
      for (const run of execution.actions.filter((a) => a.status === "InProgress")) {
        run.status = "Abandoned";
        run.token = undefined;
        run.lastUpdateTime = this.deps.scheduler.now();
        this.approvals.delete(run);
        this.deps.emit(actionEvent(this.scope(pipeline), execution, run, state));
      }
    };
    switch (error.reason) {
      case "superseded":
        this.finish(pipeline, execution, "Superseded", "SUPERSEDED");
        return;
      case "cancelled":
        abandonInFlight("CANCELED");
        if (current) {
          current.status = "Cancelled";
          this.deps.emit(stageEvent(this.scope(pipeline), execution, current.stageName, "CANCELED"));
        }
        this.finish(pipeline, execution, "Cancelled", "CANCELED", "Pipeline definition was updated");
        return;
      case "abandoned":
        abandonInFlight("ABANDONED");
        if (current) {
          current.status = "Stopped";
          this.deps.emit(stageEvent(this.scope(pipeline), execution, current.stageName, "STOPPED"));
        }
        this.finish(pipeline, execution, "Stopped", "STOPPED", execution.stopReason);
        return;
      case "deleted":
        abandonInFlight("ABANDONED");
        this.finish(pipeline, execution, "Cancelled", undefined);
        return;
    }
  }

  /** RunOrder groups one after another; actions of a group together. */
  private async runStage(
    pipeline: Pipeline,
    execution: Execution,
    stage: StageDeclaration,
    life: Lifeline,
  ): Promise<boolean> {
    const orders = [...new Set(stage.actions.map((a) => a.runOrder ?? 1))].sort((a, b) => a - b);
    for (const order of orders) {
      const group = stage.actions.filter((a) => (a.runOrder ?? 1) === order);
      const results = await Promise.all(
        group.map((action) => this.runAction(pipeline, execution, stage.name, action, life)),
      );
      if (results.includes(false)) return false;
      if (life.stopRequested && order !== orders.at(-1)) throw new StopReached();
    }
    return true;
  }

  private async runAction(
    pipeline: Pipeline,
    execution: Execution,
    stageName: string,
    action: ActionDeclaration,
    life: Lifeline,
  ): Promise<boolean> {
    const now = this.deps.scheduler.now();
    const run: ActionRun = {
      actionExecutionId: uuid(),
      stageName,
      actionName: action.name,
      actionTypeId: action.actionTypeId,
      configuration: action.configuration ?? {},
      inputArtifacts: (action.inputArtifacts ?? []).map((a) => a.name),
      outputArtifacts: (action.outputArtifacts ?? []).map((a) => a.name),
      roleArn: action.roleArn,
      startTime: now,
      status: "InProgress",
      lastUpdateTime: now,
      token: undefined,
      summary: undefined,
      externalExecutionId: undefined,
      externalExecutionUrl: undefined,
      errorDetails: undefined,
    };
    execution.actions.push(run);
    const buildLogs = action.actionTypeId.provider === "CodeBuild" ? this.deps.buildLogs : undefined;
    buildLogs?.started(run, execution.artifactRevisions[0]?.revisionId);
    this.deps.emit(actionEvent(this.scope(pipeline), execution, run, "STARTED"));
    const plan = this.deps.scripts.plan(
      pipeline.declaration.name,
      stageName,
      action.name,
      action.actionTypeId.category,
    );
    let succeeded: boolean;
    switch (plan.outcome) {
      case "succeed": {
        await life.guard(this.deps.scheduler.sleep(plan.durationMs ?? this.deps.timing.actionMs));
        // A CloudFormation deploy action does what it says to the emulated CloudFormation, and its outcome is that.
        const deployed =
          run.actionTypeId.provider === "CloudFormation" && this.deployAction
            ? await life.guard(this.deployAction.run(pipeline.declaration.name, run))
            : undefined;
        if (deployed && !deployed.ok) {
          recordFailure(run, deployed.message);
          buildLogs?.finished(run, { succeeded: false, message: deployed.message });
          succeeded = false;
        } else {
          recordSuccess(run, execution, this.deps.region, plan.message ?? deployed?.summary);
          buildLogs?.finished(run, { succeeded: true, message: plan.message ?? deployed?.summary });
          succeeded = true;
        }
        break;
      }
      case "fail":
        await life.guard(this.deps.scheduler.sleep(plan.durationMs ?? this.deps.timing.actionMs));
        recordFailure(run, plan.message ?? `Action ${action.name} failed (scripted)`);
        buildLogs?.finished(run, { succeeded: false, message: run.summary ?? "" });
        succeeded = false;
        break;
      case "approval": {
        run.token = uuid();
        const result = await life.guard(new Promise<ApprovalResult>((resolve) => this.approvals.set(run, resolve)));
        run.token = undefined;
        if (result.status === "Approved") {
          run.summary = result.summary;
          succeeded = true;
        } else {
          recordFailure(run, result.summary || "Rejected");
          succeeded = false;
        }
        break;
      }
    }
    run.status = succeeded ? "Succeeded" : "Failed";
    run.lastUpdateTime = this.deps.scheduler.now();
    this.deps.emit(actionEvent(this.scope(pipeline), execution, run, succeeded ? "SUCCEEDED" : "FAILED"));
    return succeeded;
  }
}
