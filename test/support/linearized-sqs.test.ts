import { ReceiveMessageCommand, SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMotoSqs, type MotoSqs } from "./moto-sqs.js";

/** The SQS the queue tests run against keeps SQS's own guarantees, however many receive at once. */
let sqs: MotoSqs;
beforeAll(async () => {
  sqs = await startMotoSqs();
});
afterAll(async () => {
  await sqs?.stop();
});

const receive = (url: string, waitSeconds: number, signal?: AbortSignal) =>
  sqs.client
    .send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: waitSeconds,
        VisibilityTimeout: 30,
      }),
      { abortSignal: signal },
    )
    .then((answer) => (answer.Messages ?? []).map((m) => m.Body ?? ""));

async function sendTo(url: string, bodies: readonly string[]): Promise<void> {
  await sqs.client.send(
    new SendMessageBatchCommand({
      QueueUrl: url,
      Entries: bodies.map((body) => ({ Id: body, MessageBody: body, MessageGroupId: body.slice(0, 1) })),
    }),
  );
}

describe("linearized moto SQS", () => {
  it("hands the URL of its queues out as its own", async () => {
    const { url } = await sqs.fifoQueue();
    expect(new URL(url).origin).toBe(sqs.url);
  });

  it("never gives one message to two receives at once, nor a group to two", async () => {
    const rounds = 60;
    for (let round = 0; round < rounds; round++) {
      const { url } = await sqs.fifoQueue();
      await sendTo(url, ["a1", "a2", "a3", "b1"]);
      const got = await Promise.all([receive(url, 0), receive(url, 0), receive(url, 0)]);
      const bodies = got.flat();
      expect([...bodies].sort(), `round ${round}: ${JSON.stringify(got)}`).toEqual(["a1", "a2", "a3", "b1"]);
      const holdingA = got.filter((batch) => batch.some((body) => body.startsWith("a")));
      expect(holdingA, `round ${round}: ${JSON.stringify(got)}`).toHaveLength(1);
      expect(holdingA[0]!.filter((body) => body.startsWith("a"))).toEqual(["a1", "a2", "a3"]);
    }
  });

  it("a long poll ends with the message that arrives during it, and an empty one lasts its wait", async () => {
    const { url } = await sqs.fifoQueue();
    const started = Date.now();
    expect(await receive(url, 1)).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);

    const waiting = receive(url, 20);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const sent = Date.now();
    await sendTo(url, ["c1"]);
    expect(await waiting).toEqual(["c1"]);
    // Woken by the send, not by the end of the wait.
    expect(Date.now() - sent).toBeLessThan(10_000);
  });

  it("a receive whose client hung up takes nothing sent after", async () => {
    const { url } = await sqs.fifoQueue();
    const gone = new AbortController();
    const abandoned = receive(url, 20, gone.signal).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 300));
    gone.abort();
    expect(await abandoned).toBeInstanceOf(Error);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await sendTo(url, ["d1"]);
    expect(await receive(url, 1)).toEqual(["d1"]);
  });
});
