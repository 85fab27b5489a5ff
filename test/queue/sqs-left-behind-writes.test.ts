import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import type { Look, LookOutcome } from "../../src/engine/work-queue.js";
import { Outbox } from "../../src/github/outbox.js";
import { SqsQueue } from "../../src/queue/sqs-queue.js";
import { SqsWorkQueue } from "../../src/queue/sqs-work-queue.js";
import { startMotoSqs, type MotoSqs } from "../support/moto-sqs.js";
import { eventually } from "../support/processes.js";

/**
 * Replicas write GitHub through their own outbox, paced, after a look has returned. The attack: a
 * look on replica A queues "in progress" for a check run and returns; before A's paced write goes
 * out, replica B looks at the same environment and writes "completed"; then A's stale write lands
 * and the check run goes back to in progress. The look's messages must stay in flight until its
 * writes are sent (so SQS gives the group to no one), without holding A's slot for other keys.
 */
let sqs: MotoSqs;
beforeAll(async () => {
  sqs = await startMotoSqs();
});
afterAll(async () => {
  await sqs?.stop();
});

const quiet = { debug: () => undefined, warn: () => undefined, error: () => undefined };
const queues: SqsWorkQueue<{ id: string }>[] = [];
afterEach(async () => {
  await Promise.all(queues.splice(0).map((queue) => queue.stop()));
});

interface Seen {
  readonly replica: string;
  readonly key: string;
  readonly causes: readonly string[];
  readonly at: number;
}

describe("SQS replicas: a look's queued GitHub writes are sent before anyone looks at its key again", () => {
  it("holds the key's next look, on either replica, until the write is sent, and frees the slot for other keys", async () => {
    const { url } = await sqs.fifoQueue({ visibilitySeconds: 3 });
    const outbox = new Outbox({ onError: () => undefined });
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    // A failure before the gate opens must not leave the queues' stop() waiting on the write.
    onTestFinished(() => release());
    let writeSentAt = Number.POSITIVE_INFINITY;
    const seen: Seen[] = [];
    const worker =
      (replica: string) =>
      async (look: Look<{ id: string }>): Promise<LookOutcome> => {
        seen.push({ replica, key: look.key, causes: look.causes.map((c) => c.id), at: Date.now() });
        if (look.key === "env/one" && look.causes.some((c) => c.id === "first"))
          // Queued, not awaited: the look returns while its write waits its turn at GitHub.
          void outbox.lane(1).put("check:env/one", async () => {
            await gate;
            writeSentAt = Date.now();
          });
        return { kind: "done", summary: "looked" };
      };
    // Replica A may work one key at a time; B as many as it likes. Both consume the one queue.
    const a = new SqsWorkQueue<{ id: string }>({
      concurrency: 1,
      queue: new SqsQueue(sqs.client, url),
      log: quiet,
      waitSeconds: 1,
      heartbeatMs: 500,
      visibilitySeconds: 3,
    });
    queues.push(a);
    a.start(worker("A"));
    await a.submit("env/one", { id: "first" });
    await eventually(() => seen.find((s) => s.key === "env/one"), 10_000, "A's look at env/one");
    // A, with its one slot, looks at env/two while env/one's write still waits: the write holds no slot.
    await a.submit("env/two", { id: "other" });
    const other = await eventually(() => seen.find((s) => s.key === "env/two"), 10_000, "A's look at env/two");
    expect(other.replica).toBe("A");

    const b = new SqsWorkQueue<{ id: string }>({
      concurrency: 4,
      queue: new SqsQueue(sqs.client, url),
      log: quiet,
      waitSeconds: 1,
      visibilitySeconds: 3,
    });
    queues.push(b);
    b.start(worker("B"));
    await a.submit("env/one", { id: "second" });
    // Well past the visibility timeout: the heartbeat keeps env/one's messages from anyone.
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    expect(seen.filter((s) => s.key === "env/one").map((s) => s.causes)).toEqual([["first"]]);

    release();
    const second = await eventually(
      () => seen.find((s) => s.key === "env/one" && s.causes.includes("second")),
      15_000,
      "the next look at env/one",
    );
    expect(second.at).toBeGreaterThanOrEqual(writeSentAt);
    // The first look's message was deleted once its write went out: it is never looked at again.
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    expect(seen.filter((s) => s.causes.includes("first"))).toHaveLength(1);
  });
});
