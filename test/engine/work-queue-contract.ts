import { afterEach, describe, expect, it } from "vitest";
import type { Look, LookOutcome, LookReport, WorkQueue, WorkQueueOptions } from "../../src/engine/work-queue.js";
import { eventually } from "../support/processes.js";
import { prng } from "../support/prng.js";

/** A cause as the contract tests send it: plain JSON, as every implementation must carry. */
export interface TestCause {
  readonly id: string;
}

/**
 * Builds a queue of the implementation under test; `close` is called after each test. A distributed
 * implementation is asked for `consumers` > 1 in some tests and gives `peers`: more consumers of the
 * same queue, as other processes would be (the contract's "across every consumer").
 */
export type QueueFactory = (
  options: WorkQueueOptions<TestCause>,
  shape: { readonly consumers: number },
) => Promise<{ queue: WorkQueue<TestCause>; peers?: readonly WorkQueue<TestCause>[]; close?: () => Promise<void> }>;

export interface ContractOptions {
  /** The queue is shared by processes (SQS): the tests of per-key exclusivity across consumers run too. */
  readonly distributed?: boolean;
}

interface Gate {
  readonly look: Look<TestCause>;
  /** Which consumer took the look: 0 is `queue`, then the peers. */
  readonly consumer: number;
  readonly startedAt: number;
  end(outcome: LookOutcome): void;
}

/**
 * A queue (and, for a distributed one, more consumers of it) whose looks each wait for the test to
 * end them (`end(key, outcome)`, or `endEveryLook`), recording every look and every reported outcome.
 */
async function harness(
  factory: QueueFactory,
  options: Partial<WorkQueueOptions<TestCause>>,
  closers: (() => Promise<void>)[],
  consumers = 1,
) {
  const looks: Gate[] = [];
  const open = new Map<string, Gate>();
  const reports: LookReport<TestCause>[] = [];
  let running = 0;
  let maxRunning = 0;
  const perKey = new Map<string, number>();
  let overlapped = false;
  const made = await factory(
    { concurrency: 4, maxAttempts: 3, retryDelayMs: () => 50, ...options, onOutcome: (report) => reports.push(report) },
    { consumers },
  );
  const queues = [made.queue, ...(made.peers ?? [])];
  if (queues.length !== consumers) throw new Error(`the factory made ${queues.length} consumers, not ${consumers}`);
  /** Ends every look at once with this outcome, from now on (a load test's worker). */
  let autoEnd: ((look: Look<TestCause>) => Promise<LookOutcome>) | undefined;
  closers.push(async () => {
    for (const gate of open.values()) gate.end({ kind: "done", summary: "closed" });
    await Promise.all(queues.map((q) => q.stop()));
    await made.close?.();
  });
  /** The worker every consumer is started with; the counts it keeps span all of them. */
  const worker =
    (consumer: number) =>
    (look: Look<TestCause>): Promise<LookOutcome> =>
      new Promise<LookOutcome>((resolve) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        const onKey = (perKey.get(look.key) ?? 0) + 1;
        perKey.set(look.key, onKey);
        if (onKey > 1) overlapped = true;
        let ended = false;
        const gate: Gate = {
          look,
          consumer,
          startedAt: Date.now(),
          end: (outcome) => {
            if (ended) return;
            ended = true;
            running--;
            perKey.set(look.key, (perKey.get(look.key) ?? 1) - 1);
            if (open.get(look.key) === gate) open.delete(look.key);
            resolve(outcome);
          },
        };
        looks.push(gate);
        open.set(look.key, gate);
        if (autoEnd) void autoEnd(look).then((outcome) => gate.end(outcome));
      });
  queues.forEach((queue, consumer) => queue.start(worker(consumer)));
  /** When each cause's submit was called: the look that delivers it must start after that. */
  const calledAt = new Map<string, number>();
  /** Submits at once (concurrently): their causes have no order between them. */
  const submit = (key: string, ...ids: string[]) =>
    Promise.all(
      ids.map((id) => {
        calledAt.set(id, Date.now());
        return made.queue.submit(key, { id });
      }),
    );
  /** Submits one after the other, each after the last resolved: their causes have an order. */
  const submitInOrder = async (key: string, ...ids: string[]) => {
    for (const id of ids) {
      calledAt.set(id, Date.now());
      await made.queue.submit(key, { id });
    }
  };
  const lookAt = (key: string, count = 1) =>
    eventually(
      () =>
        looks.filter((g) => g.look.key === key).length >= count
          ? looks.filter((g) => g.look.key === key)[count - 1]
          : undefined,
      20_000,
      `look ${count} at ${key}`,
    );
  const end = async (key: string, outcome: LookOutcome = { kind: "done", summary: "ok" }) => {
    const gate = await eventually(() => open.get(key), 20_000, `a running look at ${key}`);
    gate.end(outcome);
  };
  return {
    queue: made.queue,
    queues,
    looks: () =>
      looks.map((g) => ({
        key: g.look.key,
        ids: g.look.causes.map((c) => c.id),
        attempt: g.look.attempt,
        consumer: g.consumer,
        startedAt: g.startedAt,
      })),
    reports,
    submit,
    submitInOrder,
    calledAt,
    /** From now on, every look (running and new) ends by itself with what `worker` says. */
    endEveryLook(worker: (look: Look<TestCause>) => Promise<LookOutcome>) {
      autoEnd = worker;
      for (const gate of [...open.values()]) void worker(gate.look).then((outcome) => gate.end(outcome));
    },
    lookAt,
    end,
    openKeys: () => [...open.keys()].sort(),
    maxRunning: () => maxRunning,
    overlapped: () => overlapped,
  };
}

const settleFor = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The WorkQueue contract (src/engine/work-queue.ts), for any implementation. */
export function workQueueContract(name: string, factory: QueueFactory, contract: ContractOptions = {}): void {
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
      expect(h.reports[0]).toMatchObject({
        look: { key: "env-a", causes: [{ id: "push-1" }], attempt: 1 },
        outcome: { kind: "done", summary: "deployed" },
        dropped: false,
      });
      await h.queue.idle();
      expect(h.queue.size).toEqual({ running: 0, waiting: 0 });
    });

    it("looks at one key once at a time; causes that arrive during a look give exactly one more look, with all of them", async () => {
      const h = await harness(factory, {}, closers);
      await h.submit("env-a", "1");
      await h.lookAt("env-a");
      // Submitted at once: no order between them is promised, only that they come together.
      await h.submit("env-a", "2", "3", "4");
      await settleFor(200);
      expect(h.looks()).toHaveLength(1);
      await h.end("env-a");
      const second = await h.lookAt("env-a", 2);
      expect(second.look.causes.map((c) => c.id).sort()).toEqual(["2", "3", "4"]);
      await h.end("env-a");
      await h.queue.idle();
      expect(h.looks().map((l) => [...l.ids].sort())).toEqual([["1"], ["2", "3", "4"]]);
      expect(h.overlapped()).toBe(false);
    });

    it("gives causes submitted one after another in that order, oldest first", async () => {
      const h = await harness(factory, {}, closers);
      await h.submit("env-a", "1");
      await h.lookAt("env-a");
      await h.submitInOrder("env-a", "2", "3", "4");
      await h.end("env-a");
      const second = await h.lookAt("env-a", 2);
      expect(second.look.causes.map((c) => c.id)).toEqual(["2", "3", "4"]);
      await h.end("env-a");
      await h.queue.idle();
    });

    it("loses no cause and never looks at one key twice at once, under a load of many keys and causes at random", async () => {
      const h = await harness(factory, { concurrency: 3 }, closers);
      const random = prng(17);
      h.endEveryLook(async () => {
        await settleFor(20 + Math.floor(random() * 80));
        return { kind: "done", summary: "ok" };
      });
      const keys = ["env-a", "env-b", "env-c", "env-d", "env-e", "env-f"];
      const causes = keys.flatMap((key) => Array.from({ length: 6 }, (_, i) => ({ key, id: `${key}/${i}` })));
      // Three waves of concurrent submits in random order, the later ones landing while looks run.
      const shuffled = [...causes].sort(() => random() - 0.5);
      for (let wave = 0; wave < 3; wave++) {
        await Promise.all(shuffled.filter((_, i) => i % 3 === wave).map((c) => h.submit(c.key, c.id)));
        await settleFor(60);
      }
      const delivered = () => new Set(h.looks().flatMap((l) => l.ids));
      await eventually(
        () => (causes.every((c) => delivered().has(c.id)) ? true : undefined),
        60_000,
        "every cause delivered",
        () =>
          `missing: ${causes
            .filter((c) => !delivered().has(c.id))
            .map((c) => c.id)
            .join(", ")}`,
      );
      await h.queue.idle();
      expect(h.overlapped()).toBe(false);
      expect(h.maxRunning()).toBeLessThanOrEqual(3);
      for (const look of h.looks()) {
        expect(
          look.ids.every((id) => id.startsWith(`${look.key}/`)),
          `a look at ${look.key} carried ${look.ids.join(", ")}`,
        ).toBe(true);
        // Each cause reaches a look that started after its submit was called (none appears early).
        for (const id of look.ids) expect(look.startedAt).toBeGreaterThanOrEqual(h.calledAt.get(id)!);
      }
      // Coalescing: fewer looks than causes, though how many depends on timing.
      expect(h.looks().length).toBeLessThan(causes.length);
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
      expect(
        h
          .looks()
          .map((l) => l.key)
          .sort(),
      ).toEqual(["env-a", "env-b", "env-c"]);
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

    if (contract.distributed) {
      it("across consumers of one queue: one look per key at a time, every cause delivered, the work shared", async () => {
        const h = await harness(factory, { concurrency: 2 }, closers, 2);
        const random = prng(18);
        h.endEveryLook(async () => {
          await settleFor(100 + Math.floor(random() * 200));
          return { kind: "done", summary: "ok" };
        });
        const keys = ["env-a", "env-b", "env-c", "env-d", "env-e", "env-f"];
        const causes = keys.flatMap((key) => Array.from({ length: 4 }, (_, i) => ({ key, id: `${key}/${i}` })));
        for (let wave = 0; wave < 4; wave++) {
          await Promise.all(causes.filter((c) => c.id.endsWith(`/${wave}`)).map((c) => h.submit(c.key, c.id)));
          await settleFor(150);
        }
        const delivered = () => new Set(h.looks().flatMap((l) => l.ids));
        await eventually(
          () => (causes.every((c) => delivered().has(c.id)) ? true : undefined),
          60_000,
          "every cause delivered",
          () =>
            `missing: ${causes
              .filter((c) => !delivered().has(c.id))
              .map((c) => c.id)
              .join(", ")}`,
        );
        await Promise.all(h.queues.map((q) => q.idle()));
        expect(h.overlapped()).toBe(false);
        expect(new Set(h.looks().map((l) => l.consumer))).toEqual(new Set([0, 1]));
      });
    }

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
