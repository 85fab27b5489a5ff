import { describe, expect, it } from "vitest";
import { keepInFlight } from "../../src/queue/kept-in-flight.js";
import { LostMessageError, type ReceivedMessage } from "../../src/queue/sqs-queue.js";

/** What becomes of a done look's messages while its GitHub writes wait: a queue that records every call. */
function recordingQueue(options: { readonly lostAfter?: number } = {}) {
  const calls: string[] = [];
  let beats = 0;
  return {
    calls,
    queue: {
      setVisibility: async (messages: readonly ReceivedMessage[], seconds: number) => {
        if (seconds > 0 && options.lostAfter !== undefined && ++beats > options.lostAfter) {
          calls.push("beat refused");
          throw new LostMessageError(
            messages.map((m) => m.messageId),
            "ReceiptHandleIsInvalid",
          );
        }
        calls.push(seconds === 0 ? "handed back" : "kept");
      },
      delete: async () => {
        calls.push("deleted");
      },
    },
  };
}

const messages: ReceivedMessage[] = [
  { messageId: "m1", receiptHandle: "r1", groupId: "g", body: "{}", receiveCount: 1, sentMs: 0 },
];
const log = () => {
  const errors: string[] = [];
  return { errors, log: { warn: () => undefined, error: (_: object, m: string) => errors.push(m) } };
};
const later = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const options = { key: "k", visibilitySeconds: 30, heartbeatMs: 20, maxHoldMs: 10_000 };

describe("keepInFlight", () => {
  it("keeps the messages while the writes wait, then deletes them", async () => {
    const { calls, queue } = recordingQueue();
    const { log: quiet, errors } = log();
    await keepInFlight(queue, messages, later(100), { ...options, release: new AbortController().signal, log: quiet });
    expect(calls.at(-1)).toBe("deleted");
    expect(calls.filter((c) => c === "kept").length).toBeGreaterThanOrEqual(2);
    expect(calls).not.toContain("handed back");
    expect(errors).toEqual([]);
  });

  it("hands them back, saying so, when the writes outlast the longest hold", async () => {
    const { calls, queue } = recordingQueue();
    const { log: recorded, errors } = log();
    const never = new Promise<void>(() => undefined);
    await keepInFlight(queue, messages, never, {
      ...options,
      maxHoldMs: 100,
      release: new AbortController().signal,
      log: recorded,
    });
    expect(calls.at(-1)).toBe("handed back");
    expect(calls).not.toContain("deleted");
    expect(errors).toHaveLength(1);
    const after = calls.length;
    await later(100);
    expect(calls).toHaveLength(after);
  });

  it("hands them back at once when the process stops", async () => {
    const { calls, queue } = recordingQueue();
    const { log: quiet, errors } = log();
    const stopping = new AbortController();
    const kept = keepInFlight(queue, messages, new Promise<void>(() => undefined), {
      ...options,
      release: stopping.signal,
      log: quiet,
    });
    await later(50);
    stopping.abort();
    await kept;
    expect(calls.at(-1)).toBe("handed back");
    expect(calls).not.toContain("deleted");
    expect(errors).toEqual([]);
  });

  it("neither deletes nor hands back messages SQS says are no longer held, and stops beating", async () => {
    const { calls, queue } = recordingQueue({ lostAfter: 1 });
    const { log: quiet } = log();
    await keepInFlight(queue, messages, later(200), { ...options, release: new AbortController().signal, log: quiet });
    expect(calls).toEqual(["kept", "beat refused"]);
  });
});
