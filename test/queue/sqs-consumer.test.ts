import { ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { SqsConsumer, type ConsumerLog } from "../../src/queue/sqs-consumer.js";
import { SqsQueue, type ReceivedMessage } from "../../src/queue/sqs-queue.js";
import { startMotoSqs, type MotoSqs } from "../support/moto-sqs.js";
import { eventually } from "../support/processes.js";

/** The consumer loop against moto_server's FIFO queue: coalescing per group, retries, redrive, crash recovery. */
let sqs: MotoSqs;
beforeAll(async () => {
  sqs = await startMotoSqs();
});
afterAll(async () => {
  await sqs?.stop();
});

interface Recorded {
  readonly log: ConsumerLog;
  readonly errors: string[];
}
function recordingLog(): Recorded {
  const errors: string[] = [];
  return {
    errors,
    log: {
      debug: () => undefined,
      warn: (_, m) => errors.push(`warn: ${m}`),
      error: (_, m) => errors.push(`error: ${m}`),
    },
  };
}

const message = (groupId: string, deduplicationId: string) => ({ groupId, deduplicationId, body: deduplicationId });
const settle = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

async function queueDepth(url: string): Promise<string[]> {
  const got = await sqs.client.send(
    new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 0 }),
  );
  return (got.Messages ?? []).map((m) => m.Body ?? "");
}

describe("SqsConsumer", () => {
  it("works a group's waiting messages as one look, never two looks of one group at once, and deletes them after", async () => {
    const { url } = await sqs.fifoQueue();
    const queue = new SqsQueue(sqs.client, url);
    await queue.send([message("A", "a1"), message("A", "a2"), message("A", "a3"), message("B", "b1")]);
    const looks: { group: string; bodies: string[] }[] = [];
    const inFlight = new Set<string>();
    let overlapped = false;
    const { log, errors } = recordingLog();
    const consumers = [0, 1].map(
      () =>
        new SqsConsumer(
          queue,
          { concurrency: 4, visibilitySeconds: 10, waitSeconds: 1 },
          {
            log,
            work: async (group, messages) => {
              if (inFlight.has(group)) overlapped = true;
              inFlight.add(group);
              looks.push({ group, bodies: messages.map((m) => m.body) });
              await settle(300, undefined);
              inFlight.delete(group);
            },
          },
        ),
    );
    for (const consumer of consumers) consumer.start();
    onTestFinished(() => Promise.all(consumers.map((c) => c.stop())).then(() => undefined));
    await eventually(
      // At least, not exactly: a message worked twice must fail below, saying so, not time out here.
      () => (looks.flatMap((l) => l.bodies).length >= 4 ? true : undefined),
      30_000,
      "all four messages worked",
    );
    await Promise.all(consumers.map((c) => c.stop()));
    expect(overlapped).toBe(false);
    expect(looks.flatMap((l) => l.bodies).sort()).toEqual(["a1", "a2", "a3", "b1"]);
    // Order within a group is kept, whatever batches SQS handed out.
    expect(looks.filter((l) => l.group === "A").flatMap((l) => l.bodies)).toEqual(["a1", "a2", "a3"]);
    expect(await queueDepth(url)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it("keeps a message hidden by heartbeats while its work outlasts the visibility timeout", async () => {
    const { url } = await sqs.fifoQueue();
    const queue = new SqsQueue(sqs.client, url);
    await queue.send([message("A", "slow")]);
    let started = 0;
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    const { log } = recordingLog();
    const consumer = new SqsConsumer(
      queue,
      { concurrency: 1, visibilitySeconds: 2, waitSeconds: 1, heartbeatMs: 500 },
      {
        log,
        work: async () => {
          started++;
          await done;
        },
      },
    );
    consumer.start();
    onTestFinished(() => consumer.stop());
    await eventually(() => (started === 1 ? true : undefined), 20_000, "the work started");
    // Three visibility timeouts later, another receiver still sees nothing of it.
    const other = new SqsQueue(sqs.client, url);
    for (let i = 0; i < 3; i++) {
      expect(await other.receive({ max: 10, waitSeconds: 2, visibilitySeconds: 30 })).toEqual([]);
    }
    release();
    await consumer.stop();
    expect(started).toBe(1);
    expect(await queueDepth(url)).toEqual([]);
  });

  it("a consumer that dies mid-work loses nothing: another receives the same messages once the visibility expires", async () => {
    const { url } = await sqs.fifoQueue();
    const queue = new SqsQueue(sqs.client, url);
    await queue.send([message("A", "a1")]);
    const { log } = recordingLog();
    // The first receiver stands for a killed process: it receives, and then nothing (no heartbeat, no delete).
    const heldByFirst = await queue.receive({ max: 10, waitSeconds: 1, visibilitySeconds: 2 });
    expect(heldByFirst.map((m) => m.body)).toEqual(["a1"]);
    const worked: ReceivedMessage[] = [];
    const second = new SqsConsumer(
      queue,
      { concurrency: 1, visibilitySeconds: 5, waitSeconds: 1 },
      { log, work: async (_, messages) => void worked.push(...messages) },
    );
    second.start();
    onTestFinished(() => second.stop());
    await eventually(() => (worked.length === 1 ? true : undefined), 30_000, "the second consumer worked the message");
    expect(worked[0]).toMatchObject({ body: "a1", receiveCount: 2 });
  });

  it("retries failed work after a back-off and sends it to the dead-letter queue after maxReceiveCount", async () => {
    const { url, deadLetterUrl } = await sqs.fifoQueue({ maxReceiveCount: 3 });
    const queue = new SqsQueue(sqs.client, url);
    await queue.send([message("A", "poison"), message("B", "fine")]);
    const attempts: number[] = [];
    const fine: string[] = [];
    const { log, errors } = recordingLog();
    const consumer = new SqsConsumer(
      queue,
      { concurrency: 2, visibilitySeconds: 10, waitSeconds: 1, retrySeconds: () => 0 },
      {
        log,
        work: async (group, messages) => {
          if (group === "B") {
            fine.push(...messages.map((m) => m.body));
            return;
          }
          attempts.push(messages[0]!.receiveCount);
          throw new Error("the stack is broken");
        },
      },
    );
    consumer.start();
    onTestFinished(() => consumer.stop());
    await eventually(
      async () => ((await queueDepth(deadLetterUrl)).includes("poison") ? true : undefined),
      30_000,
      "the poison message in the dead-letter queue",
    );
    await consumer.stop();
    expect(attempts).toEqual([1, 2, 3]);
    expect(fine).toEqual(["fine"]);
    expect(errors.filter((e) => e.startsWith("error: work on a queue group failed"))).toHaveLength(3);
  });

  it("stop ends the long poll, waits for the work in progress and deletes it; nothing else is taken", async () => {
    const { url } = await sqs.fifoQueue();
    const queue = new SqsQueue(sqs.client, url);
    await queue.send([message("A", "a1")]);
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const started: string[] = [];
    const { log } = recordingLog();
    const consumer = new SqsConsumer(
      queue,
      { concurrency: 1, visibilitySeconds: 60, waitSeconds: 20 },
      {
        log,
        work: async (_, messages) => {
          started.push(...messages.map((m) => m.body));
          await blocked;
        },
      },
    );
    consumer.start();
    await eventually(() => (started.length === 1 ? true : undefined), 20_000, "a1 started");
    let stopped = false;
    const stopping = consumer.stop().then(() => (stopped = true));
    await queue.send([message("A", "a2")]);
    await settle(200, undefined);
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(started).toEqual(["a1"]);
    expect(await queueDepth(url)).toEqual(["a2"]);
  });
});
