/**
 * Time as the emulator sees it. Every delay in the emulator goes through a Scheduler built on a
 * Clock, so tests can run on real timers with short durations or drive a ManualClock, and
 * `close()` cancels everything still pending so the process can exit.
 */
export interface Clock {
  now(): Date;
  /** Calls `callback` after `ms`; the returned function cancels it. */
  schedule(ms: number, callback: () => void): () => void;
}

export const realClock: Clock = {
  now: () => new Date(),
  schedule(ms, callback) {
    const timer = setTimeout(callback, Math.max(0, ms));
    return () => clearTimeout(timer);
  },
};

/** A clock that moves only when told to; `advance` fires due callbacks in time order. */
export class ManualClock implements Clock {
  private current: number;
  private pending: { at: number; seq: number; callback: () => void }[] = [];
  private seq = 0;

  constructor(start = Date.UTC(2024, 0, 1)) {
    this.current = start;
  }

  now(): Date {
    return new Date(this.current);
  }

  schedule(ms: number, callback: () => void): () => void {
    const entry = { at: this.current + Math.max(0, ms), seq: this.seq++, callback };
    this.pending.push(entry);
    return () => {
      this.pending = this.pending.filter((p) => p !== entry);
    };
  }

  /** Moves time forward, yielding to promise continuations between callbacks. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    for (;;) {
      await flushMicrotasks();
      this.pending.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.pending[0];
      if (!next || next.at > target) break;
      this.pending.shift();
      this.current = next.at;
      next.callback();
    }
    this.current = target;
    await flushMicrotasks();
  }
}

async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

/** Raised inside a sleeping task when the emulator closes, so background work unwinds quietly. */
export class SchedulerClosed extends Error {
  constructor() {
    super("emulator closed");
  }
}

export class Scheduler {
  private readonly cancels = new Set<() => void>();
  private closed = false;

  constructor(readonly clock: Clock) {}

  now(): Date {
    return this.clock.now();
  }

  sleep(ms: number): Promise<void> {
    if (this.closed) return Promise.reject(new SchedulerClosed());
    return new Promise((resolve, reject) => {
      const entry = () => {
        cancel();
        reject(new SchedulerClosed());
      };
      const cancel = this.clock.schedule(ms, () => {
        this.cancels.delete(entry);
        resolve();
      });
      this.cancels.add(entry);
    });
  }

  /** Runs background work; a SchedulerClosed rejection is the normal end at shutdown. */
  spawn(task: () => Promise<void>, onError: (error: unknown) => void): void {
    task().catch((error: unknown) => {
      if (!(error instanceof SchedulerClosed)) onError(error);
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    this.closed = true;
    for (const cancel of [...this.cancels]) cancel();
    this.cancels.clear();
  }
}
