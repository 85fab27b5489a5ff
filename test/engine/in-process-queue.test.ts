import { describe, expect, it, vi } from "vitest";
import { InProcessQueue } from "../../src/engine/in-process-queue.js";
import type { Debounce, Look } from "../../src/engine/work-queue.js";
import { workQueueContract } from "./work-queue-contract.js";

workQueueContract("in-process", async (options) => ({ queue: new InProcessQueue(options) }));

describe("InProcessQueue with a quiet period (fake clock)", () => {
  // Fake timers fake Date.now too, so the queue's clock and its timers move together.
  const recording = (looks: Look<number>[], debounce: Debounce) => {
    const queue = new InProcessQueue<number>({ concurrency: 2, debounce });
    queue.start(async (look) => {
      looks.push(look);
      return { kind: "done", summary: "" };
    });
    return queue;
  };

  it("looks once, with every cause, at a burst that arrives within the quiet period", async () => {
    vi.useFakeTimers({ now: 0 });
    try {
      const looks: Look<number>[] = [];
      const queue = recording(looks, { quietMs: 100, maxMs: 1_000 });
      for (let cause = 1; cause <= 20; cause++) {
        queue.accept("feature/x", cause);
        await vi.advanceTimersByTimeAsync(40);
      }
      expect(looks).toEqual([]);
      await vi.advanceTimersByTimeAsync(100);
      await queue.idle();
      expect(looks.map((l) => l.causes)).toEqual([Array.from({ length: 20 }, (_, i) => i + 1)]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("never holds a steady stream longer than the maximum", async () => {
    vi.useFakeTimers({ now: 0 });
    try {
      const looks: Look<number>[] = [];
      const queue = recording(looks, { quietMs: 100, maxMs: 300 });
      for (let cause = 1; cause <= 10; cause++) {
        queue.accept("feature/x", cause);
        await vi.advanceTimersByTimeAsync(50);
      }
      // By 300 ms the first cause had waited its maximum: the look took the six that had come.
      expect(looks.map((l) => l.causes)).toEqual([[1, 2, 3, 4, 5, 6]]);
      await vi.advanceTimersByTimeAsync(300);
      await queue.idle();
      expect(looks.map((l) => l.causes)).toEqual([
        [1, 2, 3, 4, 5, 6],
        [7, 8, 9, 10],
      ]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("a new cause brings a key held for `again` forward, and its look carries the held causes too", async () => {
    vi.useFakeTimers({ now: 0 });
    try {
      const looks: Look<string>[] = [];
      const queue = new InProcessQueue<string>({ concurrency: 1 });
      queue.start(async (look) => {
        looks.push(look);
        return looks.length === 1
          ? { kind: "again", atMs: 60_000, why: "run still going" }
          : { kind: "done", summary: "" };
      });
      queue.accept("staging", "run-started");
      await vi.advanceTimersByTimeAsync(10);
      queue.accept("staging", "pipeline-event");
      await vi.advanceTimersByTimeAsync(10);
      await queue.idle();
      expect(looks.map((l) => l.causes)).toEqual([["run-started"], ["run-started", "pipeline-event"]]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("refuses a concurrency that is not a positive integer", () => {
    expect(() => new InProcessQueue({ concurrency: 0 })).toThrow(/positive integer/);
  });
});
