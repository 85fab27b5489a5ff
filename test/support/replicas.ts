import { createPublicKey, randomUUID } from "node:crypto";
import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import type { Environment } from "../../src/core/environment.js";
import { environmentNames } from "../../src/core/naming.js";
import type { CallRecord, StackView, Timing } from "@branchline/aws-emulator";
import { emulatedAws, type EmulatedAws } from "./aws.js";
import { testPrivateKey } from "./branchline.js";
import { startFakeGitHubServer, type FakeGitHubServer } from "./fake-github-server.js";
import type { RepositoryModel } from "./github-model.js";
import { startMotoSqs, type MotoSqs } from "./moto-sqs.js";
import { INSTALLATION_ID } from "./payloads.js";
import {
  AppServer,
  appServerEnv,
  BUILT_SERVER,
  deliverWebhook,
  freePort,
  ManagedProcess,
  type AppCredentials,
} from "./processes.js";

/**
 * branchline beyond one machine, for tests and benchmarks: one receiver and N workers (the built
 * server as separate processes, BRANCHLINE_ROLE receiver and worker) sharing one SQS FIFO queue
 * (moto_server's) and one AWS (the emulator, in this process, logging every call with its caller
 * and look), against a fake GitHub over loopback HTTP. Each worker signs its AWS calls as
 * AKIDWORKER<i>, so the call log tells them apart.
 */

export const OWNER = "octo-org";
export const REPO = "shop";
export const FULL_NAME = `${OWNER}/${REPO}`;
const APP_ID = 12345;

export interface ReplicaScene {
  readonly aws: EmulatedAws;
  readonly sqs: MotoSqs;
  /** The work queue every process shares. */
  readonly queueUrl: string;
  readonly github: FakeGitHubServer;
  readonly repo: RepositoryModel;
  readonly receiver: AppServer;
  readonly workers: ManagedProcess[];
  /** Every AWS call so far, in the order answered. */
  readonly calls: CallRecord[];
  /** Sends a webhook to the receiver as GitHub does; returns the HTTP status. */
  deliver(name: string, payload: unknown, id?: string): Promise<number>;
  /** A branch at a commit in git, with the template at that commit. */
  commit(branch: string, sha: string): void;
  /** Last lines of every process's output, for failure messages. */
  context(): string;
  close(): Promise<void>;
}

export interface ReplicaOptions {
  readonly workers: number;
  readonly timing: Partial<Timing>;
  readonly visibilitySeconds: number;
  /** Per worker. */
  readonly concurrency: number;
  /** `.github/branchline.yml` and the pipeline template every commit carries (tests and benchmarks read their fixtures differently). */
  readonly files: { readonly config: string; readonly template: string; readonly templatePath: string };
  /** The built server; by default dist/src/main.js as the tests see it (the benchmarks run from dist/ and name it themselves). */
  readonly server?: string;
}

export async function startReplicaScene(options: ReplicaOptions): Promise<ReplicaScene> {
  const calls: CallRecord[] = [];
  const aws = await emulatedAws({ timing: options.timing, onCall: (call) => calls.push(call) });
  const sqs = await startMotoSqs();
  const { url: queueUrl } = await sqs.fifoQueue({ visibilitySeconds: options.visibilitySeconds, maxReceiveCount: 10 });
  const github = await startFakeGitHubServer({
    appId: APP_ID,
    appPublicKey: createPublicKey(testPrivateKey()).export({ type: "spki", format: "pem" }).toString(),
  });
  github.model.install(INSTALLATION_ID, OWNER, [FULL_NAME]);
  const repo = github.model.repository(OWNER, REPO);
  repo.file("main", ".github/branchline.yml", options.files.config);
  const credentials: AppCredentials = {
    appId: APP_ID,
    privateKey: testPrivateKey(),
    webhookSecret: `webhook-secret-${randomUUID()}`,
  };
  const shared = {
    BRANCHLINE_QUEUE_URL: queueUrl,
    AWS_ENDPOINT_URL_SQS: sqs.url,
    BRANCHLINE_RECONCILE_MINUTES: "0",
  };
  const server = options.server ?? BUILT_SERVER;
  const receiverPort = await freePort();
  const receiverEnv = appServerEnv({
    githubHost: github.host,
    awsEndpoint: aws.emulator.url,
    credentials,
    port: receiverPort,
    logLevel: "info",
    env: { ...shared, BRANCHLINE_ROLE: "receiver" },
  });
  const receiver = await new AppServer(
    new ManagedProcess("receiver", server, [], receiverEnv),
    receiverPort,
    20_000,
  ).start();
  const workers: ManagedProcess[] = [];
  for (let i = 1; i <= options.workers; i++) {
    const env = appServerEnv({
      githubHost: github.host,
      awsEndpoint: aws.emulator.url,
      credentials,
      port: await freePort(),
      logLevel: "info",
      env: {
        ...shared,
        BRANCHLINE_ROLE: "worker",
        AWS_ACCESS_KEY_ID: `AKIDWORKER${i}`,
        BRANCHLINE_QUEUE_VISIBILITY_SECONDS: String(options.visibilitySeconds),
        BRANCHLINE_DEBOUNCE_MS: "300",
        BRANCHLINE_CONCURRENCY: String(options.concurrency),
        BRANCHLINE_STACK_POLL_SECONDS: "1",
        BRANCHLINE_RUN_POLL_SECONDS: "1",
      },
    });
    workers.push(new ManagedProcess(`worker-${i}`, server, [], env).start());
  }
  await Promise.all(workers.map((w) => w.waitForLine(/taking work from the queue/, 30_000)));
  return {
    aws,
    sqs,
    queueUrl,
    github,
    repo,
    receiver,
    workers,
    calls,
    async deliver(name, payload, id = randomUUID()) {
      return (await deliverWebhook(receiver.webhookUrl, credentials.webhookSecret, name, payload, id)).status;
    },
    commit(branch, sha) {
      repo.file(sha, options.files.templatePath, options.files.template).branch(branch, sha);
    },
    context: () =>
      [receiver.process.text(), ...workers.map((w) => w.text())].join("\n").split("\n").slice(-200).join("\n"),
    async close() {
      await Promise.all([receiver.process, ...workers].map((p) => p.kill("SIGKILL").catch(() => undefined)));
      await github.close();
      await aws.close();
      await sqs.stop();
    },
  };
}

/** Messages on the shared queue, waiting or in flight (held by a worker, or hidden until due): 0 when every look is done. */
export async function queueDepth(scene: ReplicaScene): Promise<number> {
  const { Attributes: a } = await scene.sqs.client.send(
    new GetQueueAttributesCommand({
      QueueUrl: scene.queueUrl,
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    }),
  );
  return Number(a?.ApproximateNumberOfMessages ?? 0) + Number(a?.ApproximateNumberOfMessagesNotVisible ?? 0);
}

/**
 * Every stack of the branch's name that was ever created, deleted ones too, oldest first. A stack
 * that never got past REVIEW_IN_PROGRESS (a CREATE change set made and never executed: its worker
 * was killed in between) created nothing and is not counted; the next look deletes it.
 */
export function stacksEverOf(aws: EmulatedAws, branch: string): StackView[] {
  return aws.emulator.control.stacks().filter((s) => s.stackName === stackNameOf(branch) && s.resources.length > 0);
}

export function stackNameOf(branch: string): string {
  return environmentNames("branchline", { owner: OWNER, name: REPO }, { kind: "branch", branch } satisfies Environment)
    .stack;
}

export function liveStacks(aws: EmulatedAws): StackView[] {
  return aws.emulator.control.stacks().filter((stack) => stack.status !== "DELETE_COMPLETE");
}

/** Commits branchline ran for a branch, oldest first (the emulator lists executions newest first). */
export function runsOf(aws: EmulatedAws, branch: string): { commit: string; status: string }[] {
  const pipeline = liveStacks(aws).find((s) => s.stackName === stackNameOf(branch))?.outputs.PipelineName;
  if (!pipeline) return [];
  return aws.emulator.control
    .executions(pipeline)
    .filter((e) => e.triggerType === "StartPipelineExecution")
    .map((e) => ({ commit: e.revisions[0] ?? "?", status: e.status }))
    .reverse();
}

/** Whether a branch's environment is at `head`: a settled stack and a successful run of exactly that commit. */
export function convergedAt(aws: EmulatedAws, branch: string, head: string): string | null {
  const stack = liveStacks(aws).find((s) => s.stackName === stackNameOf(branch));
  if (!stack) return `${branch}: no stack`;
  if (stack.status !== "CREATE_COMPLETE" && stack.status !== "UPDATE_COMPLETE")
    return `${branch}: stack ${stack.status}`;
  if (!runsOf(aws, branch).some((r) => r.commit === head && r.status === "Succeeded"))
    return `${branch}: no successful run of ${head.slice(0, 7)}`;
  return null;
}

/** Looks on one target whose spans of calls overlap in time, from the AWS call log. */
export function overlappingLooks(calls: readonly CallRecord[]): string[] {
  const spans = new Map<string, { target: string; look: string; caller: string; start: number; end: number }>();
  for (const call of calls) {
    if (!call.look || !call.target) continue;
    const id = `${call.target}\0${call.look}`;
    const span = spans.get(id);
    if (span) {
      span.start = Math.min(span.start, call.startedMs);
      span.end = Math.max(span.end, call.endedMs);
    } else {
      spans.set(id, {
        target: call.target,
        look: call.look,
        caller: call.caller,
        start: call.startedMs,
        end: call.endedMs,
      });
    }
  }
  const byTarget = new Map<string, { look: string; caller: string; start: number; end: number }[]>();
  for (const span of spans.values()) byTarget.set(span.target, [...(byTarget.get(span.target) ?? []), span]);
  const found: string[] = [];
  for (const [target, list] of byTarget) {
    list.sort((a, b) => a.start - b.start);
    // Against the span reaching furthest so far, not only the one before: a short span can hide a long one.
    let reach = list[0]!;
    for (const after of list.slice(1)) {
      if (after.start < reach.end)
        found.push(
          `${target}: ${reach.caller} (${reach.look}) until ${reach.end}, ${after.caller} (${after.look}) from ${after.start}`,
        );
      if (after.end > reach.end) reach = after;
    }
  }
  return found;
}
