import type { Stacks } from "./cloudformation/stacks.js";
import type { StackFailures, StackFailureScript } from "./cloudformation/failures.js";
import type { CodeBuildStore } from "./codebuild.js";
import type { Pipelines } from "./codepipeline/pipelines.js";
import type { ActionScript, ActionScripts } from "./codepipeline/scripts.js";
import type { BuildOutputs, BuildOutputScript } from "./codepipeline/build-outputs.js";
import type { DeliveredEvent, EventSink } from "./event-sink.js";
import type { FaultRule, Faults, RateLimitRule } from "./faults.js";
import type { IamStore } from "./iam.js";
import type { CallCounter, CallReport } from "./metrics.js";
import type { EventSinkOptions } from "./options.js";
import type { S3Store } from "./s3/store.js";
import type { AssumedSession, StsSessions } from "./sts.js";

/** Read-only pictures of the emulated services, for assertions. Plain data, JSON as-is. */
export interface StackView {
  readonly stackName: string;
  readonly stackId: string;
  readonly status: string;
  readonly statusReason: string | undefined;
  readonly parameters: Record<string, string>;
  readonly tags: Record<string, string>;
  readonly outputs: Record<string, string>;
  readonly roleArn: string | undefined;
  readonly terminationProtection: boolean;
  readonly resources: readonly { logicalId: string; type: string; physicalId: string | undefined; status: string }[];
}

export interface BucketView {
  readonly name: string;
  readonly versioning: string;
  /** Current (not deleted) keys. */
  readonly keys: readonly string[];
  /** Versions plus delete markers. */
  readonly versionCount: number;
}

export interface PipelineView {
  readonly name: string;
  readonly version: number;
  readonly pipelineType: string;
  readonly executionMode: string;
  readonly stages: readonly string[];
}

export interface ExecutionView {
  readonly pipelineExecutionId: string;
  readonly status: string;
  readonly triggerType: string;
  readonly revisions: readonly string[];
  readonly stages: readonly { stageName: string; status: string }[];
  readonly actions: readonly { stageName: string; actionName: string; status: string; token: string | undefined }[];
}

export interface RoleView {
  readonly roleName: string;
  readonly arn: string;
}

export interface ControlDeps {
  readonly stacks: Stacks;
  readonly stackFailures: StackFailures;
  readonly s3: S3Store;
  readonly iam: IamStore;
  readonly codebuild: CodeBuildStore;
  readonly pipelines: Pipelines;
  readonly actionScripts: ActionScripts;
  readonly buildOutputs: BuildOutputs;
  readonly faults: Faults;
  readonly counter: CallCounter;
  readonly sink: EventSink;
  readonly sessions?: StsSessions;
}

/** Steering and inspection of a running emulator; the same verbs are served over HTTP under /_emulator/. */
export class EmulatorControl {
  constructor(private readonly deps: ControlDeps) {}

  scriptAction(script: ActionScript): void {
    this.deps.actionScripts.add(script);
  }

  /** What builds of matching pipelines put in an artifact: the files deploy actions read. */
  setBuildOutput(script: BuildOutputScript): void {
    this.deps.buildOutputs.add(script);
  }

  clearBuildOutputs(): void {
    this.deps.buildOutputs.clear();
  }

  clearActionScripts(): void {
    this.deps.actionScripts.clear();
  }

  failStack(script: StackFailureScript): void {
    this.deps.stackFailures.add(script);
  }

  clearStackFailures(): void {
    this.deps.stackFailures.clear();
  }

  setFaults(rule: FaultRule): void {
    this.deps.faults.setFaults(rule);
  }

  clearFaults(): void {
    this.deps.faults.clearFaults();
  }

  setRateLimits(rules: readonly RateLimitRule[]): void {
    this.deps.faults.setRateLimits(rules);
  }

  /** The role session an access key belongs to (AssumeRole), so a test can tell which role made a call. */
  sessionOf(accessKeyId: string): AssumedSession | undefined {
    return this.deps.sessions?.get(accessKeyId);
  }

  calls(): CallReport {
    return this.deps.counter.report();
  }

  resetCalls(): void {
    this.deps.counter.reset();
  }

  setEventSink(options: EventSinkOptions): void {
    this.deps.sink.configure(options);
  }

  events(): readonly DeliveredEvent[] {
    return this.deps.sink.events();
  }

  /** Waits until every event so far has been POSTed (or failed to be). */
  drainEvents(): Promise<void> {
    return this.deps.sink.drain();
  }

  stacks(): StackView[] {
    return this.deps.stacks.store.all().map((s) => ({
      stackName: s.stackName,
      stackId: s.stackId,
      status: s.status,
      statusReason: s.statusReason,
      parameters: Object.fromEntries((s.deployment?.parameters ?? []).map((p) => [p.key, p.value])),
      tags: Object.fromEntries((s.deployment?.tags ?? []).map((t) => [t.key, t.value])),
      outputs: Object.fromEntries(s.outputs.map((o) => [o.key, o.value])),
      roleArn: s.deployment?.roleArn,
      terminationProtection: s.terminationProtection,
      resources: [...s.resources.values()].map((r) => ({
        logicalId: r.logicalId,
        type: r.type,
        physicalId: r.physicalId,
        status: r.status,
      })),
    }));
  }

  buckets(): BucketView[] {
    const s3 = this.deps.s3;
    return s3.list().map((b) => ({
      name: b.name,
      versioning: b.versioning,
      keys: s3.currentObjects(b).map((o) => o.key),
      versionCount: s3.allVersions(b).length,
    }));
  }

  pipelines(): PipelineView[] {
    return this.deps.pipelines.list().map((p) => ({
      name: p.declaration.name,
      version: p.version,
      pipelineType: p.declaration.pipelineType ?? "V1",
      executionMode: p.declaration.executionMode ?? "SUPERSEDED",
      stages: p.declaration.stages.map((s) => s.name),
    }));
  }

  /** Newest first. */
  executions(pipelineName: string): ExecutionView[] {
    return this.deps.pipelines.executionsOf(pipelineName).map((e) => ({
      pipelineExecutionId: e.pipelineExecutionId,
      status: e.status,
      triggerType: e.trigger.triggerType,
      revisions: e.artifactRevisions.map((r) => r.revisionId),
      stages: e.stages.map((s) => ({ stageName: s.stageName, status: s.status })),
      actions: e.actions.map((a) => ({
        stageName: a.stageName,
        actionName: a.actionName,
        status: a.status,
        token: a.token,
      })),
    }));
  }

  roles(): RoleView[] {
    return this.deps.iam.list().map((r) => ({ roleName: r.roleName, arn: r.arn }));
  }

  projects(): string[] {
    return this.deps.codebuild.list().map((p) => p.name);
  }
}
