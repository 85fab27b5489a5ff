/**
 * One lane per key (an environment): at most one job runs in a lane at a time, and a job waiting in
 * a lane is replaced by a newer one. A job waits a short quiet period before it starts, so twenty
 * pushes in a second end in one run, for the newest commit. Lanes run in parallel up to a global
 * bound that keeps AWS API rates in check.
 */
export interface LaneHooks<J> {
  readonly work: (job: J) => Promise<void>;
  /**
   * A newer job arrived while an older one still waited: the lane keeps what this returns (by
   * default the newer job), so the newer job can carry word of the one it replaced.
   */
  readonly supersede?: (old: J, by: J) => J;
  /** A job's work threw; the lane goes on with the next job. */
  readonly failed: (job: J, error: unknown) => void;
}

/**
 * How long a job waits for a newer one before it starts: `quietMs` after the latest arrival, but
 * never more than `maxMs` after the first, so a steady stream of pushes still deploys.
 */
export interface Debounce {
  readonly quietMs: number;
  readonly maxMs: number;
}

const NO_DEBOUNCE: Debounce = { quietMs: 0, maxMs: 0 };

interface Lane<J> {
  running: boolean;
  waiting: J | undefined;
  /** When the waiting job arrived first (before any newer one replaced it). */
  firstArrival: number;
  /** When the waiting job may start. */
  due: number;
}

export class Lanes<J> {
  private readonly lanes = new Map<string, Lane<J>>();
  private readonly ready: string[] = [];
  private active = 0;
  private readonly idleWaiters: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly concurrency: number,
    private readonly hooks: LaneHooks<J>,
    private readonly debounce: Debounce = NO_DEBOUNCE,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error("concurrency must be a positive integer");
  }

  /** Queues a job; returns at once. */
  submit(key: string, job: J): void {
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = { running: false, waiting: undefined, firstArrival: 0, due: 0 };
      this.lanes.set(key, lane);
    }
    const previous = lane.waiting;
    const now = this.now();
    lane.waiting = previous === undefined ? job : (this.hooks.supersede?.(previous, job) ?? job);
    if (previous === undefined) lane.firstArrival = now;
    lane.due = Math.min(now + this.debounce.quietMs, lane.firstArrival + this.debounce.maxMs);
    if (previous === undefined && !lane.running) this.ready.push(key);
    this.pump();
  }

  /** Jobs running and waiting: for shutdown, health and benchmarks. */
  get size(): { running: number; waiting: number } {
    let waiting = 0;
    for (const lane of this.lanes.values()) if (lane.waiting !== undefined) waiting++;
    return { running: this.active, waiting };
  }

  /** Resolves when nothing runs or waits. */
  idle(): Promise<void> {
    if (this.active === 0 && this.ready.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    const now = this.now();
    let nextDue = Infinity;
    for (let i = 0; i < this.ready.length && this.active < this.concurrency; ) {
      const key = this.ready[i] as string;
      const lane = this.lanes.get(key);
      if (!lane || lane.running || lane.waiting === undefined) {
        this.ready.splice(i, 1);
        continue;
      }
      if (lane.due > now) {
        nextDue = Math.min(nextDue, lane.due);
        i++;
        continue;
      }
      this.ready.splice(i, 1);
      const job = lane.waiting;
      lane.waiting = undefined;
      lane.running = true;
      this.active++;
      void this.run(key, lane, job);
    }
    this.wakeAt(nextDue);
    if (this.active === 0 && this.ready.length === 0) {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  /** One timer for the earliest job still in its quiet period. */
  private wakeAt(due: number): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (due === Infinity) return;
    this.timer = setTimeout(() => this.pump(), Math.max(0, due - this.now()));
  }

  private async run(key: string, lane: Lane<J>, job: J): Promise<void> {
    try {
      await this.hooks.work(job);
    } catch (error) {
      this.hooks.failed(job, error);
    } finally {
      lane.running = false;
      this.active--;
      if (lane.waiting !== undefined) this.ready.push(key);
      else this.lanes.delete(key);
      this.pump();
    }
  }
}
