import { ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LostMessageError, SqsQueue } from "../../src/queue/sqs-queue.js";
import { startMotoSqs, type MotoSqs } from "../support/moto-sqs.js";
import { eventually } from "../support/processes.js";

/** The SQS adapter against moto_server's SQS (a FIFO implementation nobody here wrote), through the real SDK. */
let sqs: MotoSqs;
beforeAll(async () => {
  sqs = await startMotoSqs();
});
afterAll(async () => {
  await sqs?.stop();
});

const message = (groupId: string, deduplicationId: string, body = deduplicationId) => ({
  groupId,
  deduplicationId,
  body,
});
const bodies = (messages: readonly { body: string }[]) => messages.map((m) => m.body);

describe("SqsQueue on a FIFO queue", () => {
  it("keeps one message per deduplication id: a redelivered webhook is one message", async () => {
    const { url } = await sqs.fifoQueue();
    const queue = new SqsQueue(sqs.client, url);
    await queue.send([message("A", "d1", "first"), message("A", "d1", "again")]);
    await queue.send([message("A", "d1", "later")]);
    const received = await queue.receive({ max: 10, waitSeconds: 1, visibilitySeconds: 30 });
    expect(bodies(received)).toEqual(["first"]);
    expect(received[0]).toMatchObject({ groupId: "A", receiveCount: 1 });
  });

  it("sends more than ten messages in batches, and refuses a body over SQS's limit before sending", async () => {
    const { url } = await sqs.fifoQueue();
    const queue = new SqsQueue(sqs.client, url);
    await queue.send(Array.from({ length: 23 }, (_, i) => message(`g${i}`, `d${i}`)));
    const seen = new Set<string>();
    await eventually(
      async () => {
        const got = await queue.receive({ max: 10, waitSeconds: 1, visibilitySeconds: 60 });
        for (const m of got) seen.add(m.body);
        return seen.size === 23 ? true : undefined;
      },
      30_000,
      "all 23 messages",
    );
    await expect(queue.send([message("g", "big", "x".repeat(256 * 1024 + 1))])).rejects.toThrow(/over SQS's/);
  });

  it("hands out nothing of a group while any of it is in flight, to any receiver", async () => {
    const { url } = await sqs.fifoQueue();
    const queue = new SqsQueue(sqs.client, url);
    await queue.send([message("A", "a1"), message("A", "a2"), message("B", "b1")]);
    const first = await queue.receive({ max: 1, waitSeconds: 1, visibilitySeconds: 30 });
    expect(bodies(first)).toEqual(["a1"]);
    const second = await new SqsQueue(sqs.client, url).receive({ max: 10, waitSeconds: 1, visibilitySeconds: 30 });
    expect(bodies(second)).toEqual(["b1"]);
    await queue.delete(first);
    const third = await queue.receive({ max: 10, waitSeconds: 1, visibilitySeconds: 30 });
    expect(bodies(third)).toEqual(["a2"]);
  });

  it("a heartbeat keeps a message hidden past its visibility; without one it comes back, counted", async () => {
    const { url } = await sqs.fifoQueue();
    const queue = new SqsQueue(sqs.client, url);
    await queue.send([message("A", "beaten"), message("B", "abandoned")]);
    const held = await queue.receive({ max: 10, waitSeconds: 1, visibilitySeconds: 2 });
    expect(bodies(held).sort()).toEqual(["abandoned", "beaten"]);
    await queue.setVisibility(
      held.filter((m) => m.body === "beaten"),
      60,
    );
    const back = await eventually(
      async () => {
        const got = await queue.receive({ max: 10, waitSeconds: 1, visibilitySeconds: 60 });
        return got.length > 0 ? got : undefined;
      },
      30_000,
      "the abandoned message back",
    );
    expect(back.map((m) => [m.body, m.receiveCount])).toEqual([["abandoned", 2]]);
  });

  it("an old receipt is refused once the message was deleted, as LostMessageError", async () => {
    const { url } = await sqs.fifoQueue();
    const queue = new SqsQueue(sqs.client, url);
    await queue.send([message("A", "a1")]);
    const held = await queue.receive({ max: 1, waitSeconds: 1, visibilitySeconds: 30 });
    await queue.delete(held);
    const error = await queue.setVisibility(held, 30).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LostMessageError);
    expect((error as LostMessageError).messageIds).toEqual([held[0]!.messageId]);
  });

  it("moves a message received too often to the dead-letter queue (redrive)", async () => {
    const { url, deadLetterUrl } = await sqs.fifoQueue({ maxReceiveCount: 2 });
    const queue = new SqsQueue(sqs.client, url);
    await queue.send([message("A", "poison")]);
    for (let i = 0; i < 2; i++) {
      const got = await queue.receive({ max: 1, waitSeconds: 1, visibilitySeconds: 30 });
      expect(bodies(got)).toEqual(["poison"]);
      await queue.setVisibility(got, 0);
    }
    expect(await queue.receive({ max: 1, waitSeconds: 1, visibilitySeconds: 30 })).toEqual([]);
    const dead = await sqs.client.send(
      new ReceiveMessageCommand({ QueueUrl: deadLetterUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    expect((dead.Messages ?? []).map((m) => m.Body)).toEqual(["poison"]);
  });
});
