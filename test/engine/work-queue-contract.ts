import { afterEach, describe, expect, it } from "vitest";
import type { Look, LookOutcome, LookReport, WorkQueue, WorkQueueOptions } from "../../src/engine/work-queue.js";
import { eventually } from "../support/processes.js";

/** A cause as the contract tests send it: plain JSON, as every implementation must carry. */
export interface TestCause {
  readonly id: string;
}

/** Builds a queue of the implementation under test; `close` is called after each test. */
export type QueueFactory = (options: WorkQueueOptions<TestCause>) => Promise<{ queue: WorkQueue<TestCause>; close?: () => Promise<void> }>;

interface Gate {
  readonly look: Look<TestCause>;
  readonly startedAt: number;
  end(outcome: LookOutcome): void;
}

/**
 * A queue whose looks each wait for the test to end them (`end(key, outcome)`), recording every
 * look and every reported outcome.
 */
async function harness(factory: QueueFactory, options: Partial<WorkQueueOptions<TestCause>>, closers: (() => Promise<void>)[]) {
  const looks: Gate[] = [];
  const open = new Map<string, Gate>();
  const reports: LookReport<TestCause>[] = [];
  let running = 0;
  let maxRunning = 0;
  const perKey = new Map<string, number>();
  let overlapped = false;
  const made = await factory({ concurrency: 4, maxAttempts: 3, retryDelayMs: () => 50, ...options, onOutcome: (report) => reports.push(report) });
  closers.push(async () => {
    for (const gate of open.values()) gate.end({ kind: "done", summary: "closed" });
    await made.queue.stop();
    await made.close?.();
  });
  made.queue.start(
    (look) =>
      new Promise<LookOutcome>((resolve) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        const onKey = (perKey.get(look.key) ?? 0) + 1;
        perKey.set(look.key, onKey);
        if (onKey > 1) overlapped = true;
        const gate: Gate = {
          look,
          startedAt: Date.now(),
          end: (outcome) => {
            running--;
            perKey.set(look.key, (perKey.get(look.key) ?? 1) - 1);
            open.delete(look.key);
            resolve(outcome);
          },
        };
        looks.push(gate);
        open.set(look.key, gate);
      }),
  );
  const submit = (key: string, ...ids: string[]) => Promise.all(ids.map((id) => made.queue.submit(key, { id })));
  const lookAt = (key: string, count = 1) =>
    eventually(() => (looks.filter((g) => g.look.key === key).length >= count ? looks.filter((g) => g.look.key === key)[count - 1] : undefined), 20_000, `look ${count} at ${key}`);
  const end = async (key: string, outcome: LookOutcome = { kind: "done", summary: "ok" }) => {
    const gate = await eventually(() => open.get(key), 20_000, `a running look at ${key}`);
    gate.end(outcome);
  };
  return {
    queue: made.queue,
    looks: () => looks.map((g) => ({ key: g.look.key, ids: g.look.causes.map((c) => c.id), attempt: g.look.attempt })),
    reports,
    submit,
    lookAt,
    end,
    openKeys: () => [...open.keys()].sort(),
    maxRunning: () => maxRunning,
    overlapped: () => overlapped,
  };
}

const settleFor = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The WorkQueue contract (src/engine/work-queue.ts), for any implementation. */
export function workQueueContract(name: string, factory: QueueFactory): void {
  describe(`WorkQueue contract: ${name}`, () => {
    const closers: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const close of closers.splice(0)) await close();
    });

    it("delivers a cause in a look and reports the look's outcome", async () => {
      const h = await harness(factory, {}, closers);
      await h.submit("env-a", "push-1");
      await h.lookAt("env-a");
      await h.end("env-a", { kind: "done", summary: "deployed" });
      await eventually(() => h.reports.length === 1 || undefined, 20_000, "the outcome");
      expect(h.reports[0]).toMatchObject({ look: { key: "env-a", causes: [{ id: "push-1" }], attempt: 1 }, outcome: { kind: "done", summary: "deployed" }, dropped: false });
      await h.queue.idle();
      expect(h.queue.size).toEqual({ running: 0, waiting: 0 });
    });

    it("looks at one key once at a time; causes that arrive during a look give exactly one more look, with all of them", async () => {
      const h = await harness(factory, {}, closers);
      await h.submit("env-a", "1");
      await h.lookAt("env-a");
      await h.submit("env-a", "2", "3", "4");
      await settleFor(200);
      expect(h.looks()).toHaveLength(1);
      await h.end("env-a");
      const second = await h.lookAt("env-a", 2);
      expect(second.look.causes.map((c) => c.id)).toEqual(["2", "3", "4"]);
      await h.end("env-a");
      await h.queue.idle();
      expect(h.looks().map((l) => l.ids)).toEqual([["1"], ["2", "3", "4"]]);
      expect(h.overlapped()).toBe(false);
    });

    it("coalesces a burst within the quiet period into one look, oldest cause first", async () => {
      const h = await harness(factory, { debounce: { quietMs: 300, maxMs: 10_000 } }, closers);
      await h.submit("env-a", "1", "2", "3", "4", "5");
      const look = await h.lookAt("env-a");
      expect(look.look.causes.map((c) => c.id).sort()).toEqual(["1", "2", "3", "4", "5"]);
      await h.end("env-a");
      await h.queue.idle();
      expect(h.looks()).toHaveLength(1);
    });

    it("looks at different keys in parallel, never more at once than its bound", async () => {
      const h = await harness(factory, { concurrency: 2 }, closers);
      await h.submit("env-a", "a");
      await h.submit("env-b", "b");
      await h.submit("env-c", "c");
      await eventually(() => h.openKeys().length === 2 || undefined, 20_000, "two looks at once");
      await settleFor(200);
      expect(h.openKeys()).toHaveLength(2);
      for (const key of h.openKeys()) await h.end(key);
      await eventually(() => h.looks().length === 3 || undefined, 20_000, "the third key's look");
      for (const key of h.openKeys()) await h.end(key);
      await h.queue.idle();
      expect(h.maxRunning()).toBe(2);
      expect(h.looks().map((l) => l.key).sort()).toEqual(["env-a", "env-b", "env-c"]);
    });

    it("a busy key does not hold another key back", async () => {
      const h = await harness(factory, {}, closers);
      await h.submit("env-a", "a");
      await h.lookAt("env-a");
      await h.submit("env-b", "b");
      await h.lookAt("env-b");
      await h.end("env-b");
      await h.end("env-a");
      await h.queue.idle();
    });

    it("`again` gives another look at the same causes, not before the time asked", async () => {
      const h = await harness(factory, {}, closers);
      await h.submit("env-a", "run-started");
      await h.lookAt("env-a");
      const atMs = Date.now() + 400;
      await h.end("env-a", { kind: "again", atMs, why: "the run is still going" });
      const second = await h.lookAt("env-a", 2);
      expect(second.startedAt).toBeGreaterThanOrEqual(atMs);
      expect(second.look.causes.map((c) => c.id)).toEqual(["run-started"]);
      await h.end("env-a");
      await h.queue.idle();
      expect(h.reports.map((r) => r.outcome.kind)).toEqual(["again", "done"]);
    });

    it("a look that throws is retried with the same causes, and given up after the last attempt with the outcome saying so", async () => {
      const h = await harness(factory, { maxAttempts: 2 }, closers);
      await h.submit("env-a", "push-1");
      await h.lookAt("env-a");
      await h.end("env-a", { kind: "failed", error: "Throttling: Rate exceeded", retry: true });
      const retry = await h.lookAt("env-a", 2);
      expect(retry.look).toMatchObject({ causes: [{ id: "push-1" }], attempt: 2 });
      await h.end("env-a", { kind: "failed", error: "Throttling: Rate exceeded", retry: true });
      await eventually(() => h.reports.length === 2 || undefined, 20_000, "two outcomes");
      await h.queue.idle();
      expect(h.reports.map((r) => r.dropped)).toEqual([false, true]);
      expect(h.looks()).toHaveLength(2);
    });

    it("a failure that is not worth retrying is reported once and dropped", async () => {
      const h = await harness(factory, {}, closers);
      await h.submit("env-a", "push-1");
      await h.end("env-a", { kind: "failed", error: "the config is invalid", retry: false });
      await eventually(() => h.reports.length === 1 || undefined, 20_000, "the outcome");
      await h.queue.idle();
      expect(h.reports[0]).toMatchObject({ outcome: { kind: "failed", retry: false }, dropped: true });
      expect(h.looks()).toHaveLength(1);
    });

    it("idle() waits for running and waiting looks", async () => {
      const h = await harness(factory, {}, closers);
      await h.submit("env-a", "1");
      await h.lookAt("env-a");
      await h.submit("env-a", "2");
      let idle = false;
      void h.queue.idle().then(() => (idle = true));
      await h.end("env-a");
      await h.lookAt("env-a", 2);
      expect(idle).toBe(false);
      await h.end("env-a");
      await eventually(() => idle || undefined, 20_000, "idle");
    });
  });
}
