import { describe, expect, it, vi } from "vitest";
import { Lanes, type LaneHooks } from "../../src/engine/lanes.js";

interface Deferred {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every queued promise callback run (no timers involved in the code under test). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Job {
  readonly lane: string;
  readonly id: string;
}

/**
 * Lanes whose work blocks on a deferred per job, so a test decides when each job ends, and which
 * measures how many jobs ran at once.
 */
function harness(concurrency: number, supersede?: LaneHooks<Job>["supersede"]) {
  const runs: Job[] = [];
  const pending = new Map<string, Deferred>();
  const failures: { job: Job; error: unknown }[] = [];
  let running = 0;
  let maxRunning = 0;
  const lanes = new Lanes<Job>(concurrency, {
    work: async (job) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      runs.push(job);
      const gate = deferred();
      pending.set(job.id, gate);
      try {
        await gate.promise;
      } finally {
        running--;
        pending.delete(job.id);
      }
    },
    failed: (job, error) => failures.push({ job, error }),
    ...(supersede ? { supersede } : {}),
  });
  const submit = (lane: string, id: string) => lanes.submit(lane, { lane, id });
  const finish = async (id: string) => {
    const gate = pending.get(id);
    if (!gate) throw new Error(`${id} is not running (running: ${[...pending.keys()].join(", ")})`);
    gate.resolve();
    await settle();
  };
  const fail = async (id: string, error: unknown) => {
    const gate = pending.get(id);
    if (!gate) throw new Error(`${id} is not running`);
    gate.reject(error);
    await settle();
  };
  return {
    lanes,
    submit,
    finish,
    fail,
    failures,
    ran: () => runs.map((j) => j.id),
    running: () => [...pending.keys()].sort(),
    maxRunning: () => maxRunning,
  };
}

describe("Lanes: one job per lane", () => {
  it("runs a lane's jobs one at a time", async () => {
    const h = harness(4);
    h.submit("A", "a1");
    h.submit("A", "a2");
    await settle();
    expect(h.running()).toEqual(["a1"]);
    await h.finish("a1");
    expect(h.running()).toEqual(["a2"]);
    await h.finish("a2");
    expect(h.ran()).toEqual(["a1", "a2"]);
    expect(h.maxRunning()).toBe(1);
  });

  it("runs a lane again after it emptied", async () => {
    const h = harness(2);
    h.submit("A", "a1");
    await h.finish("a1");
    h.submit("A", "a2");
    await settle();
    expect(h.running()).toEqual(["a2"]);
    await h.finish("a2");
    expect(h.ran()).toEqual(["a1", "a2"]);
  });

  it("a job may submit to its own lane: the new job runs after it", async () => {
    const order: string[] = [];
    const gate = deferred();
    const lanes: Lanes<string> = new Lanes<string>(2, {
      work: async (job) => {
        order.push(`start ${job}`);
        if (job === "first") {
          lanes.submit("A", "second");
          await gate.promise;
        }
        order.push(`end ${job}`);
      },
      failed: () => undefined,
    });
    lanes.submit("A", "first");
    await settle();
    expect(order).toEqual(["start first"]);
    gate.resolve();
    await lanes.idle();
    expect(order).toEqual(["start first", "end first", "start second", "end second"]);
  });
});

describe("Lanes: parallel lanes, bounded", () => {
  it("runs different lanes in parallel up to the bound, never above", async () => {
    const h = harness(3);
    for (const lane of ["A", "B", "C", "D", "E"]) h.submit(lane, lane.toLowerCase());
    await settle();
    expect(h.running()).toEqual(["a", "b", "c"]);
    expect(h.lanes.size).toEqual({ running: 3, waiting: 2 });
    await h.finish("b");
    expect(h.running()).toEqual(["a", "c", "d"]);
    await h.finish("a");
    expect(h.running()).toEqual(["c", "d", "e"]);
    await h.finish("c");
    await h.finish("d");
    await h.finish("e");
    expect(h.maxRunning()).toBe(3);
    expect(h.ran()).toEqual(["a", "b", "c", "d", "e"]);
  });

  it.each([1, 2, 5, 16])("with bound %i and 40 jobs over 10 lanes, at most that many run at once", async (bound) => {
    const h = harness(bound);
    for (let i = 0; i < 40; i++) h.submit(`L${i % 10}`, `j${i}`);
    await settle();
    while (h.running().length > 0) {
      expect(h.running().length).toBeLessThanOrEqual(bound);
      for (const id of h.running()) await h.finish(id);
    }
    expect(h.maxRunning()).toBe(Math.min(bound, 10));
    // The lanes that got a slot at once ran their first job; every lane then ran only its newest
    // job (j30…j39): everything between was replaced while it waited.
    const started = Array.from({ length: Math.min(bound, 10) }, (_, i) => `j${i}`);
    const newest = Array.from({ length: 10 }, (_, i) => `j${30 + i}`);
    expect([...h.ran()].sort()).toEqual([...started, ...newest].sort());
    await h.lanes.idle();
  });

  it("gives freed slots to waiting lanes in the order they became ready", async () => {
    const h = harness(1);
    h.submit("A", "a");
    h.submit("C", "c");
    h.submit("B", "b");
    await h.finish("a");
    await h.finish("c");
    await h.finish("b");
    expect(h.ran()).toEqual(["a", "c", "b"]);
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])("refuses a concurrency of %s", (concurrency) => {
    expect(() => new Lanes<Job>(concurrency, { work: async () => undefined, failed: () => undefined })).toThrow(/positive integer/);
  });
});

describe("Lanes: newer jobs replace waiting ones", () => {
  it("keeps only the newest waiting job by default", async () => {
    const h = harness(2);
    h.submit("A", "a1");
    h.submit("A", "a2");
    h.submit("A", "a3");
    await h.finish("a1");
    await h.finish("a3");
    expect(h.ran()).toEqual(["a1", "a3"]);
  });

  it("twenty submissions to a busy lane give exactly one more run, with the newest job", async () => {
    const h = harness(4);
    h.submit("A", "first");
    await settle();
    for (let i = 1; i <= 20; i++) h.submit("A", `push-${i}`);
    expect(h.lanes.size).toEqual({ running: 1, waiting: 1 });
    await h.finish("first");
    expect(h.running()).toEqual(["push-20"]);
    await h.finish("push-20");
    await h.lanes.idle();
    expect(h.ran()).toEqual(["first", "push-20"]);
  });

  it("replaces a job waiting for a slot, not only one waiting behind its own lane", async () => {
    const h = harness(1);
    h.submit("A", "a1");
    h.submit("B", "b1");
    h.submit("B", "b2");
    await h.finish("a1");
    await h.finish("b2");
    expect(h.ran()).toEqual(["a1", "b2"]);
  });

  it("never replaces a running job", async () => {
    const h = harness(2);
    h.submit("A", "a1");
    await settle();
    h.submit("A", "a2");
    expect(h.running()).toEqual(["a1"]);
    await h.finish("a1");
    await h.finish("a2");
    expect(h.ran()).toEqual(["a1", "a2"]);
  });

  it("the supersede hook receives the old and the new job, and the lane keeps what it returns", async () => {
    const calls: [string, string][] = [];
    const h = harness(1, (old, by) => {
      calls.push([old.id, by.id]);
      return { lane: by.lane, id: `${old.id}+${by.id}` };
    });
    h.submit("A", "a1");
    await settle();
    h.submit("A", "a2");
    expect(calls).toEqual([]); // nothing was waiting yet
    h.submit("A", "a3");
    h.submit("A", "a4");
    expect(calls).toEqual([
      ["a2", "a3"],
      ["a2+a3", "a4"],
    ]);
    await h.finish("a1");
    expect(h.running()).toEqual(["a2+a3+a4"]);
    await h.finish("a2+a3+a4");
  });

  it("does not call the supersede hook for jobs in different lanes", async () => {
    const calls: string[] = [];
    const h = harness(1, (old, by) => {
      calls.push(`${old.id}/${by.id}`);
      return by;
    });
    h.submit("A", "a");
    h.submit("B", "b");
    h.submit("C", "c");
    for (const id of ["a", "b", "c"]) await h.finish(id);
    expect(calls).toEqual([]);
  });
});

describe("Lanes: failures", () => {
  it("a job that throws is reported to `failed` and its lane goes on", async () => {
    const h = harness(2);
    const boom = new Error("boom");
    h.submit("A", "a1");
    h.submit("A", "a2");
    await h.fail("a1", boom);
    expect(h.failures).toEqual([{ job: { lane: "A", id: "a1" }, error: boom }]);
    expect(h.running()).toEqual(["a2"]);
    await h.finish("a2");
    expect(h.failures).toHaveLength(1);
    await h.lanes.idle();
  });

  it("a failure frees its slot for other lanes", async () => {
    const h = harness(1);
    h.submit("A", "a");
    h.submit("B", "b");
    await h.fail("a", "not even an Error");
    expect(h.failures.map((f) => f.error)).toEqual(["not even an Error"]);
    expect(h.running()).toEqual(["b"]);
    await h.finish("b");
  });

  it("work that throws before returning a promise is a failure too", async () => {
    const failed: string[] = [];
    const ran: string[] = [];
    const lanes = new Lanes<string>(1, {
      work: (job) => {
        if (job === "bad") throw new Error("sync");
        ran.push(job);
        return Promise.resolve();
      },
      failed: (job, error) => failed.push(`${job}: ${(error as Error).message}`),
    });
    lanes.submit("A", "bad");
    lanes.submit("A", "good");
    await lanes.idle();
    expect(failed).toEqual(["bad: sync"]);
    expect(ran).toEqual(["good"]);
  });
});

describe("Lanes: idle and size", () => {
  it("idle() resolves at once when nothing was submitted", async () => {
    const h = harness(2);
    await expect(h.lanes.idle()).resolves.toBeUndefined();
    expect(h.lanes.size).toEqual({ running: 0, waiting: 0 });
  });

  it("idle() resolves only when every running and waiting job is done", async () => {
    const h = harness(1);
    h.submit("A", "a1");
    h.submit("A", "a2");
    h.submit("B", "b1");
    let idle = false;
    void h.lanes.idle().then(() => {
      idle = true;
    });
    await settle();
    expect(h.lanes.size).toEqual({ running: 1, waiting: 2 });
    await h.finish("a1");
    expect(idle).toBe(false);
    expect(h.lanes.size).toEqual({ running: 1, waiting: 1 });
    await h.finish("b1");
    expect(idle).toBe(false);
    expect(h.lanes.size).toEqual({ running: 1, waiting: 0 });
    await h.finish("a2");
    expect(idle).toBe(true);
    expect(h.lanes.size).toEqual({ running: 0, waiting: 0 });
  });

  it("several idle() callers all resolve, and a later idle() waits for new work", async () => {
    const h = harness(2);
    h.submit("A", "a1");
    const first = h.lanes.idle();
    const second = h.lanes.idle();
    await h.finish("a1");
    await expect(Promise.all([first, second])).resolves.toEqual([undefined, undefined]);
    h.submit("A", "a2");
    let idle = false;
    void h.lanes.idle().then(() => {
      idle = true;
    });
    await settle();
    expect(idle).toBe(false);
    await h.finish("a2");
    expect(idle).toBe(true);
  });

  it("counts a lane's waiting job once however many were submitted", async () => {
    const h = harness(1);
    h.submit("A", "a1");
    for (let i = 0; i < 5; i++) h.submit("A", `x${i}`);
    for (let i = 0; i < 5; i++) h.submit("B", `y${i}`);
    await settle();
    expect(h.lanes.size).toEqual({ running: 1, waiting: 2 });
    await h.finish("a1");
    await h.finish(h.running()[0] as string);
    await h.finish(h.running()[0] as string);
    expect(h.ran()).toEqual(["a1", "y4", "x4"]);
  });
});

describe("Lanes with a quiet period", () => {
  // Fake timers fake Date.now too, so the lanes' clock and their timers move together.
  const recordingLanes = <J>(started: J[], debounce: { quietMs: number; maxMs: number }) =>
    new Lanes<J>(2, { work: async (job) => void started.push(job), failed: () => {} }, debounce);

  it("starts one job, the newest, for a burst that arrives within the quiet period", async () => {
    vi.useFakeTimers({ now: 0 });
    try {
      const started: number[] = [];
      const lanes = recordingLanes(started, { quietMs: 100, maxMs: 1_000 });
      for (let job = 1; job <= 20; job++) {
        lanes.submit("feature/x", job);
        await vi.advanceTimersByTimeAsync(40);
      }
      expect(started).toEqual([]);
      await vi.advanceTimersByTimeAsync(100);
      await lanes.idle();
      expect(started).toEqual([20]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("never holds a steady stream longer than the maximum", async () => {
    vi.useFakeTimers({ now: 0 });
    try {
      const started: number[] = [];
      const lanes = recordingLanes(started, { quietMs: 100, maxMs: 300 });
      for (let job = 1; job <= 10; job++) {
        lanes.submit("feature/x", job);
        await vi.advanceTimersByTimeAsync(50);
      }
      // By 300 ms the first job had waited its maximum and started, with the newest job then.
      expect(started).toEqual([6]);
      await vi.advanceTimersByTimeAsync(300);
      await lanes.idle();
      expect(started).toEqual([6, 10]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("holds one lane without holding another", async () => {
    vi.useFakeTimers({ now: 0 });
    try {
      const started: string[] = [];
      const lanes = recordingLanes(started, { quietMs: 100, maxMs: 1_000 });
      lanes.submit("a", "a1");
      await vi.advanceTimersByTimeAsync(60);
      lanes.submit("b", "b1");
      await vi.advanceTimersByTimeAsync(50);
      expect(started).toEqual(["a1"]);
      await vi.advanceTimersByTimeAsync(60);
      await lanes.idle();
      expect(started).toEqual(["a1", "b1"]);
    } finally {
      vi.useRealTimers();
    }
  });
});
