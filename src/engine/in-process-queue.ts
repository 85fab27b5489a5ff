import {
  DEFAULT_MAX_ATTEMPTS,
  defaultRetryDelayMs,
  failureText,
  NO_DEBOUNCE,
  type Look,
  type LookOutcome,
  type LookWorker,
  type WorkQueue,
  type WorkQueueOptions,
} from "./work-queue.js";

interface Slot<C> {
  running: boolean;
  /** Causes not yet delivered, oldest first. */
  waiting: C[];
  /** How many looks these causes have had (0: none yet). */
  attempts: number;
  /** The waiting causes were put back by their look (a retry, or "again"): due at their time, not a quiet period's. */
  held: boolean;
  /** When the first fresh cause of `waiting` arrived, for the quiet period's maximum. */
  firstArrival: number;
  /** When the waiting causes may be looked at. */
  due: number;
}

/**
 * The single-process WorkQueue (work-queue.ts has the contract): one slot per key, a bounded number
 * of looks at once, one timer for the earliest slot that is not yet due. Nothing here is durable: a
 * restart loses what waits, and the start-up reconcile pass finds it again.
 */
export class InProcessQueue<C> implements WorkQueue<C> {
  private readonly slots = new Map<string, Slot<C>>();
  private active = 0;
  private worker: LookWorker<C> | undefined;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly idleWaiters: (() => void)[] = [];
  private readonly running = new Set<Promise<void>>();
  private readonly debounce;
  private readonly maxAttempts;
  private readonly retryDelayMs;

  constructor(
    private readonly options: WorkQueueOptions<C>,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1)
      throw new Error("concurrency must be a positive integer");
    this.debounce = options.debounce ?? NO_DEBOUNCE;
    this.maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    this.retryDelayMs = options.retryDelayMs ?? defaultRetryDelayMs;
  }

  submit(key: string, cause: C): Promise<void> {
    this.accept(key, cause);
    return Promise.resolve();
  }

  /** The same as `submit`, for callers that cannot wait (the in-process queue accepts at once). */
  accept(key: string, cause: C): void {
    const now = this.now();
    let slot = this.slots.get(key);
    if (!slot) {
      slot = { running: false, waiting: [], attempts: 0, held: false, firstArrival: now, due: Infinity };
      this.slots.set(key, slot);
    }
    if (slot.waiting.length === 0 || slot.held) {
      // The first fresh cause: its quiet period starts now. Held causes (a retry, a later look) come
      // along, no later than they were due.
      slot.firstArrival = now;
      slot.due = Math.min(slot.held ? slot.due : Infinity, now + this.debounce.quietMs);
      slot.held = false;
      slot.attempts = 0;
    } else {
      slot.due = Math.min(now + this.debounce.quietMs, slot.firstArrival + this.debounce.maxMs);
    }
    slot.waiting.push(cause);
    this.pump();
  }

  start(worker: LookWorker<C>): void {
    if (this.worker) throw new Error("the queue has a worker already");
    this.worker = worker;
    this.pump();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  idle(): Promise<void> {
    if (this.quiet()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  get size(): { running: number; waiting: number } {
    let waiting = 0;
    for (const slot of this.slots.values()) if (slot.waiting.length > 0) waiting++;
    return { running: this.active, waiting };
  }

  private quiet(): boolean {
    return this.active === 0 && this.size.waiting === 0;
  }

  private pump(): void {
    if (!this.worker || this.stopped) return;
    const now = this.now();
    let nextDue = Infinity;
    // Map order is arrival order of each key's first cause: the longest-waiting keys go first.
    for (const [key, slot] of this.slots) {
      if (slot.running || slot.waiting.length === 0) continue;
      if (slot.due > now) {
        nextDue = Math.min(nextDue, slot.due);
        continue;
      }
      if (this.active >= this.options.concurrency) break;
      const look: Look<C> = { key, causes: slot.waiting, attempt: slot.attempts + 1 };
      slot.waiting = [];
      slot.attempts = 0;
      slot.held = false;
      slot.due = Infinity;
      slot.running = true;
      this.active++;
      const run = this.run(slot, look, this.worker);
      this.running.add(run);
      void run.finally(() => this.running.delete(run));
    }
    this.wakeAt(nextDue);
    if (this.quiet()) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /** One timer, for the earliest slot still waiting for its time. */
  private wakeAt(due: number): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (due === Infinity) return;
    this.timer = setTimeout(() => this.pump(), Math.max(0, due - this.now()));
  }

  private async run(slot: Slot<C>, look: Look<C>, worker: LookWorker<C>): Promise<void> {
    let outcome: LookOutcome;
    try {
      outcome = await worker(look);
    } catch (error) {
      outcome = { kind: "failed", error: failureText(error), retry: true };
    }
    let dropped = false;
    switch (outcome.kind) {
      case "done":
        break;
      case "again":
        this.holdBack(slot, look, 0, outcome.atMs);
        break;
      case "failed":
        if (outcome.retry && look.attempt < this.maxAttempts)
          this.holdBack(slot, look, look.attempt, this.now() + this.retryDelayMs(look.attempt));
        else dropped = true;
        break;
    }
    slot.running = false;
    this.active--;
    if (slot.waiting.length === 0) this.slots.delete(look.key);
    try {
      this.options.onOutcome?.({ look, outcome, dropped });
    } finally {
      this.pump();
    }
  }

  /** Puts a look's causes back before any that came during it, due at `at` (or sooner, if new causes are due sooner). */
  private holdBack(slot: Slot<C>, look: Look<C>, attempts: number, at: number): void {
    const arrived = slot.waiting;
    slot.waiting = [...look.causes, ...arrived];
    if (arrived.length > 0) return; // fresh causes came: their look is due as they asked, with these old ones
    slot.attempts = attempts;
    slot.held = true;
    slot.due = at;
  }
}
