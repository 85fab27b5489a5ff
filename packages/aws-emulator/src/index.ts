import type { AddressInfo } from "node:net";
import { CloudFormationApi } from "./cloudformation/api.js";
import { StackFailures } from "./cloudformation/failures.js";
import { StackStore } from "./cloudformation/stack-store.js";
import { Stacks } from "./cloudformation/stacks.js";
import { realClock, Scheduler } from "./clock.js";
import { CodeBuildStore } from "./codebuild.js";
import { CodePipelineApi } from "./codepipeline/api.js";
import { Pipelines } from "./codepipeline/pipelines.js";
import { ActionScripts } from "./codepipeline/scripts.js";
import { BuildOutputs } from "./codepipeline/build-outputs.js";
import { DeployAction } from "./codepipeline/deploy-action.js";
import { EmulatorControl } from "./control.js";
import { EventSink } from "./event-sink.js";
import { Faults } from "./faults.js";
import { IamStore } from "./iam.js";
import { CallCounter } from "./metrics.js";
import { resolveOptions, type EmulatorOptions } from "./options.js";
import { BuildLogWriter } from "./codepipeline/build-logs.js";
import { LogsApi } from "./logs/api.js";
import { LogStore } from "./logs/store.js";
import { S3Api } from "./s3/api.js";
import { S3Store } from "./s3/store.js";
import { createEmulatorServer } from "./server.js";
import { StsApi, StsSessions } from "./sts.js";

export type { EmulatorOptions, EventSinkOptions, Timing, TimingPreset } from "./options.js";
export { timingPresets } from "./options.js";
export type { FaultRule, RateLimitRule } from "./faults.js";
export type { CallReport, OperationCount } from "./metrics.js";
export type { CallRecord } from "./call-log.js";
export type { AssumedSession } from "./sts.js";
export type { StackFailureScript, StackOperationKind } from "./cloudformation/failures.js";
export type { ActionScript, ActionOutcome } from "./codepipeline/scripts.js";
export type { BuildOutputScript } from "./codepipeline/build-outputs.js";
export { DEFAULT_APPLICATION_TEMPLATE } from "./codepipeline/build-outputs.js";
export type { PipelineEvent, PipelineEventDetail, PipelineEventState } from "./codepipeline/events.js";
export type { DeliveredEvent } from "./event-sink.js";
export type { StackView, BucketView, PipelineView, ExecutionView, RoleView } from "./control.js";
export { EmulatorControl } from "./control.js";
export { ManualClock, realClock, type Clock } from "./clock.js";
export type { ServiceName } from "./services.js";

export interface Emulator {
  /** Base URL for the SDK's `endpoint` option or AWS_ENDPOINT_URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly region: string;
  readonly accountId: string;
  readonly control: EmulatorControl;
  close(): Promise<void>;
}

/**
 * Starts the loopback AWS emulator: CloudFormation, CodePipeline, CloudWatch Logs, S3 and STS on one HTTP port,
 * reached by the real SDK clients through their endpoint configuration.
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const resolved = resolveOptions(options);
  const { region, accountId } = resolved;
  const scheduler = new Scheduler(options.clock ?? realClock);
  const now = () => scheduler.now();
  const onError = (error: unknown) => {
    console.error("[aws-emulator]", error);
  };
  const s3 = new S3Store(now, region);
  const iam = new IamStore(accountId);
  const codebuild = new CodeBuildStore(region, accountId);
  const sink = new EventSink(options.eventSink, onError);
  const actionScripts = new ActionScripts();
  const logs = new LogStore(now);
  const buildLogs = new BuildLogWriter(logs, now);
  const pipelines = new Pipelines({
    scheduler,
    timing: resolved.timing,
    scripts: actionScripts,
    emit: (e) => sink.emit(e),
    region,
    accountId,
    onError,
    buildLogs,
  });
  const stackFailures = new StackFailures();
  const stacks = new Stacks({
    region,
    accountId,
    scheduler,
    timing: resolved.timing,
    store: new StackStore(region, accountId, now),
    s3,
    iam,
    codebuild,
    pipelines,
    failures: stackFailures,
    onError,
  });
  const buildOutputs = new BuildOutputs();
  pipelines.runner.deployWith(
    new DeployAction({
      stacks,
      buildOutputs,
      scheduler,
      pollMs: Math.max(1, Math.min(250, resolved.timing.stackOperationMs / 4)),
    }),
  );
  const faults = new Faults(options.random ?? Math.random, options.faults, options.rateLimits);
  const counter = new CallCounter();
  const sessions = new StsSessions();
  const control = new EmulatorControl({
    stacks,
    stackFailures,
    s3,
    iam,
    codebuild,
    pipelines,
    actionScripts,
    buildOutputs,
    faults,
    counter,
    sink,
    sessions,
  });
  let url = "";
  const server = createEmulatorServer({
    handlers: {
      cloudformation: new CloudFormationApi(stacks, resolved.pageSize),
      codepipeline: new CodePipelineApi(pipelines, region),
      logs: new LogsApi(logs),
      s3: new S3Api(s3),
      sts: new StsApi(accountId, sessions),
    },
    faults,
    counter,
    scheduler,
    control,
    info: () => ({ url, region, accountId }),
    onError,
    ...(options.onCall ? { onCall: options.onCall } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(resolved.port, resolved.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  url = `http://${host}:${address.port}`;
  return {
    url,
    region,
    accountId,
    control,
    async close() {
      scheduler.close();
      await sink.drain();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
