import { createHash, createPublicKey, randomUUID } from "node:crypto";
import nock from "nock";
import { writeFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from "vitest";
import type { Environment } from "../../src/core/environment.js";
import { environmentNames } from "../../src/core/naming.js";
import type { CallRecord, StackView } from "../../src/emulator/index.js";
import { emulatedAws, type EmulatedAws } from "../support/aws.js";
import { testPrivateKey } from "../support/branchline.js";
import { startFakeGitHubServer, type FakeGitHubServer } from "../support/fake-github-server.js";
import type { RepositoryModel } from "../support/github-model.js";
import { startMotoSqs, type MotoSqs } from "../support/moto-sqs.js";
import { createRef, deleteRef, INSTALLATION_ID, pushDeletingBranch, pushToBranch } from "../support/payloads.js";
import { prng } from "../support/prng.js";
import {
  appServerEnv,
  BUILT_SERVER,
  deliverWebhook,
  eventually,
  freePort,
  ManagedProcess,
  startAppServer,
  stopAllProcesses,
  type AppCredentials,
  type AppServer,
} from "../support/processes.js";
import { CONFIG, TEMPLATE, TEMPLATE_PATH } from "../support/scenario.js";

/**
 * Beyond one machine (issue 17): one receiver and three workers, separate processes, sharing one
 * SQS FIFO queue (moto_server's) and one AWS (the emulator, in this process, logging every call
 * with its caller and look). Branches are created, pushed and deleted at random; one worker is
 * SIGKILLed in the middle of a stack operation and started again; webhooks are redelivered. Then:
 * every environment converged to git exactly once, and the AWS call log shows no environment was
 * ever worked by two looks at once. BRANCHLINE_REPLICAS_SEED and BRANCHLINE_REPLICAS_BRANCHES
 * override the seed and the number of branches; BRANCHLINE_REPLICAS_DUMP=FILE writes the AWS call
 * log and every process's output there.
 */

const OWNER = "octo-org";
const REPO = "shop";
const REPO_REF = { owner: OWNER, name: REPO };
const FULL_NAME = `${OWNER}/${REPO}`;
const APP_ID = 12345;
const SEED = Number(process.env.BRANCHLINE_REPLICAS_SEED ?? 17_017);
const BRANCHES = Number(process.env.BRANCHLINE_REPLICAS_BRANCHES ?? 50);
const WORKERS = 3;
// Long enough to be killed inside; short enough that fifty environments converge in a test.
const TIMING = { stackOperationMs: 800, changeSetMs: 150, actionMs: 300 };
/** What changes AWS: the calls whose interleaving would mean two workers on one environment. */
const MUTATIONS = new Set(["CreateChangeSet", "ExecuteChangeSet", "DeleteChangeSet", "DeleteStack", "StartPipelineExecution", "StopPipelineExecution", "UpdateTerminationProtection", "ContinueUpdateRollback"]);

const sha = (label: string) => createHash("sha1").update(label).digest("hex");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const stackNameOf = (branch: string) => environmentNames("branchline", REPO_REF, { kind: "branch", branch } satisfies Environment).stack;

function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

interface Delivery {
  readonly id: string;
  readonly name: string;
  readonly payload: unknown;
}

const live: { github?: FakeGitHubServer; aws?: EmulatedAws; sqs?: MotoSqs } = {};
// nock comes in with the test support modules; this test talks real loopback HTTP only.
beforeEach(() => {
  nock.enableNetConnect();
  nock.restore();
});
afterEach(async () => {
  await stopAllProcesses();
  await live.github?.close();
  await live.aws?.close();
  await live.sqs?.stop();
  live.github = live.aws = live.sqs = undefined;
});

function liveStacks(aws: EmulatedAws): StackView[] {
  return aws.emulator.control.stacks().filter((stack) => stack.status !== "DELETE_COMPLETE");
}

/** Commits branchline ran for a branch, oldest first (the emulator lists executions newest first). */
function runsOf(aws: EmulatedAws, branch: string): { commit: string; status: string }[] {
  const pipeline = liveStacks(aws).find((s) => s.stackName === stackNameOf(branch))?.outputs.PipelineName;
  if (!pipeline) return [];
  return aws.emulator.control
    .executions(pipeline)
    .filter((e) => e.triggerType === "StartPipelineExecution")
    .map((e) => ({ commit: e.revisions[0] ?? "?", status: e.status }))
    .reverse();
}

/** Spans of looks on one target that overlap in time, from the AWS call log. */
function overlappingLooks(calls: readonly CallRecord[]): string[] {
  const spans = new Map<string, { target: string; look: string; caller: string; start: number; end: number }>();
  for (const call of calls) {
    if (!call.look || !call.target) continue;
    const id = `${call.target}\0${call.look}`;
    const span = spans.get(id);
    if (span) {
      span.start = Math.min(span.start, call.startedMs);
      span.end = Math.max(span.end, call.endedMs);
    } else {
      spans.set(id, { target: call.target, look: call.look, caller: call.caller, start: call.startedMs, end: call.endedMs });
    }
  }
  const byTarget = new Map<string, { look: string; caller: string; start: number; end: number }[]>();
  for (const span of spans.values()) byTarget.set(span.target, [...(byTarget.get(span.target) ?? []), span]);
  const found: string[] = [];
  for (const [target, list] of byTarget) {
    list.sort((a, b) => a.start - b.start);
    for (let i = 1; i < list.length; i++) {
      const [before, after] = [list[i - 1]!, list[i]!];
      if (after.start < before.end) found.push(`${target}: ${before.caller} (${before.look}) until ${before.end}, ${after.caller} (${after.look}) from ${after.start}`);
    }
  }
  return found;
}

describe("one receiver and three workers on one SQS FIFO queue", () => {
  it("converge every environment exactly once, through a worker killed mid-step and redelivered webhooks, never two at once on one environment", { timeout: 420_000 }, async () => {
    const random = prng(SEED);
    const calls: CallRecord[] = [];
    const aws = await emulatedAws({ timing: TIMING, onCall: (call) => calls.push(call) });
    live.aws = aws;
    const sqs = await startMotoSqs();
    live.sqs = sqs;
    const { url: queueUrl } = await sqs.fifoQueue({ visibilitySeconds: 6, maxReceiveCount: 10 });
    const github = await startFakeGitHubServer({ appId: APP_ID, appPublicKey: createPublicKey(testPrivateKey()).export({ type: "spki", format: "pem" }).toString() });
    live.github = github;
    github.model.install(INSTALLATION_ID, OWNER, [FULL_NAME]);
    const repo: RepositoryModel = github.model.repository(OWNER, REPO);
    repo.file("main", ".github/branchline.yml", CONFIG);
    repo.file(sha("main"), TEMPLATE_PATH, TEMPLATE).branch("main", sha("main"));
    const credentials: AppCredentials = { appId: APP_ID, privateKey: testPrivateKey(), webhookSecret: `webhook-secret-${randomUUID()}` };
    const shared = { BRANCHLINE_QUEUE_URL: queueUrl, AWS_ENDPOINT_URL_SQS: sqs.moto.url, BRANCHLINE_RECONCILE_MINUTES: "0" };

    const receiver: AppServer = await startAppServer({ githubHost: github.host, awsEndpoint: aws.emulator.url, credentials, logLevel: "info", env: { ...shared, BRANCHLINE_ROLE: "receiver" } });
    const workers: ManagedProcess[] = [];
    for (let i = 1; i <= WORKERS; i++) {
      const env = appServerEnv({
        githubHost: github.host,
        awsEndpoint: aws.emulator.url,
        credentials,
        port: await freePort(),
        logLevel: "info",
        env: {
          ...shared,
          BRANCHLINE_ROLE: "worker",
          // Each worker signs as someone else: the call log tells them apart.
          AWS_ACCESS_KEY_ID: `AKIDWORKER${i}`,
          BRANCHLINE_QUEUE_VISIBILITY_SECONDS: "6",
          BRANCHLINE_DEBOUNCE_MS: "300",
          BRANCHLINE_CONCURRENCY: "4",
          BRANCHLINE_STACK_POLL_SECONDS: "1",
          BRANCHLINE_RUN_POLL_SECONDS: "1",
        },
      });
      workers.push(new ManagedProcess(`worker-${i}`, BUILT_SERVER, [], env).start());
    }
    await Promise.all(workers.map((w) => w.waitForLine(/taking work from the queue/, 30_000)));
    const context = () => [receiver.process.text(), ...workers.map((w) => w.text())].join("\n").split("\n").slice(-200).join("\n");
    const dump = process.env.BRANCHLINE_REPLICAS_DUMP;
    if (dump) onTestFinished(() => writeFileSync(dump, `${JSON.stringify(calls)}\n${workers.map((w) => w.text()).join("\n")}\n`));

    const sent: Delivery[] = [];
    const deliver = async (deliveries: readonly Delivery[]) => {
      for (const d of deliveries) {
        const response = await deliverWebhook(receiver.webhookUrl, credentials.webhookSecret, d.name, d.payload, d.id);
        expect(response.status, `${d.name} ${d.id}: ${response.body}`).toBe(200);
      }
    };
    const make = (name: string, payload: unknown): Delivery => {
      const d = { id: randomUUID(), name, payload };
      sent.push(d);
      return d;
    };

    // The plan, drawn from the seed: every branch is created; some are pushed again; some deleted.
    const names = Array.from({ length: BRANCHES }, (_, i) => `feature/r-${i}`);
    const pushedAgain = new Set(names.filter(() => random() < 0.4));
    const deleted = new Set(names.filter(() => random() < 0.3));
    const history = new Map<string, string[]>(names.map((n) => [n, [sha(`${n}-0`)]]));

    // 1. Fifty branches created at once (create and push each), in random order.
    const creations = names.flatMap((name) => {
      const commit = sha(`${name}-0`);
      repo.file(commit, TEMPLATE_PATH, TEMPLATE).branch(name, commit);
      return [make("create", createRef("branch", name)), make("push", pushToBranch(name, commit, { created: true }))];
    });
    await deliver(shuffle(creations, random));

    // 2. Worker 1 is killed in the middle of a stack operation it started, and started again.
    const victim = await eventually(
      () => calls.find((c) => c.caller === "AKIDWORKER1" && c.look && c.operation === "ExecuteChangeSet"),
      120_000,
      "worker 1 executing a change set",
      context,
    );
    await workers[0]!.kill("SIGKILL");
    const killedAt = Date.now();
    const victimTarget = calls.find((c) => c.look === victim.look && c.target)?.target;
    await sleep(1_000);
    const linesBefore = workers[0]!.output.length;
    workers[0]!.start();
    await workers[0]!.waitForLine(/taking work from the queue/, 30_000, linesBefore);

    // 3. Second pushes, then deletes, while the first looks are still going.
    const pushes = [...pushedAgain].map((name) => {
      const commit = sha(`${name}-1`);
      repo.file(commit, TEMPLATE_PATH, TEMPLATE).branch(name, commit);
      history.get(name)!.push(commit);
      return make("push", pushToBranch(name, commit));
    });
    await deliver(shuffle(pushes, random));
    const deletes = [...deleted].flatMap((name) => {
      repo.deleteRef(name);
      return [make("delete", deleteRef("branch", name)), make("push", pushDeletingBranch(name))];
    });
    await deliver(shuffle(deletes, random));

    // 4. GitHub redelivers a fifth of everything (same delivery ids), in any order.
    await deliver(shuffle(sent.filter(() => random() < 0.2), random));

    // Converged: each live branch has one stack and a successful run of its head; deleted ones have none.
    const problems = () => {
      const found: string[] = [];
      const stacks = liveStacks(aws);
      for (const name of names) {
        const stack = stacks.find((s) => s.stackName === stackNameOf(name));
        if (deleted.has(name)) {
          if (stack) found.push(`${name} was deleted but its stack is ${stack.status}`);
          continue;
        }
        const head = history.get(name)!.at(-1)!;
        if (!stack) found.push(`${name}: no stack`);
        else if (stack.status !== "CREATE_COMPLETE" && stack.status !== "UPDATE_COMPLETE") found.push(`${name}: stack ${stack.status}`);
        else if (!runsOf(aws, name).some((r) => r.commit === head && r.status === "Succeeded")) found.push(`${name}: no successful run of ${head.slice(0, 7)}`);
      }
      return found;
    };
    await eventually(() => (problems().length === 0 ? true : undefined), 300_000, "every environment converged", () => `${problems().join("\n")}\n${context()}`);
    // Whatever is still queued (redeliveries) is worked off without changing anything.
    await sleep(8_000);
    expect(problems()).toEqual([]);

    // One stack per live branch and nothing else.
    const expectedStacks = names.filter((n) => !deleted.has(n)).map(stackNameOf).sort();
    expect(liveStacks(aws).map((s) => s.stackName).sort()).toEqual(expectedStacks);
    for (const name of names) {
      if (deleted.has(name)) continue;
      const runs = runsOf(aws, name).map((r) => r.commit);
      // One run per commit.
      expect(new Set(runs).size, `${name} ran ${runs.map((c) => c.slice(0, 7)).join(", ")}`).toBe(runs.length);
      // No run of a superseded commit once a newer one started.
      const [first, second] = history.get(name)!;
      if (second && runs.includes(second) && runs.includes(first!)) expect(runs.indexOf(first!), `${name} ran its older commit after its newer one`).toBeLessThan(runs.indexOf(second));
    }

    // The AWS call log: no two looks on one environment at once, across every worker.
    expect(overlappingLooks(calls)).toEqual([]);
    const lookCallers = new Set(calls.filter((c) => c.look && MUTATIONS.has(c.operation)).map((c) => c.caller));
    expect([...lookCallers].sort(), "every worker did some of the work").toEqual(["AKIDWORKER1", "AKIDWORKER2", "AKIDWORKER3"]);
    // The killed worker's environment was taken up after the kill, by a look of someone.
    expect(victimTarget).toBeDefined();
    expect(calls.some((c) => c.target === victimTarget && c.look && c.look !== victim.look && c.startedMs > killedAt)).toBe(true);
  });
});
