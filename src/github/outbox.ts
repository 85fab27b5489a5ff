import { leaveBehind } from "../core/look-context.js";

/**
 * GitHub's writes, queued per installation and sent one at a time. GitHub asks that an
 * installation's writes be serial and paced (Probot's Octokit spaces them a second apart), so a
 * burst of runs makes a backlog of writes; the engine's AWS work must not wait in it. Each write
 * has a key (one check run, one deployment): a write queued under a key that is still waiting its
 * turn replaces the waiting one, so under backlog only the newest state of each is sent.
 *
 * The outbox is memory: a process that dies loses its waiting writes. Nothing depends on them
 * being kept: the next look at the environment (an event, the reconcile pass, the restart's pass)
 * reads AWS and reports the run again through the same check run and deployment.
 */
export interface OutboxLane {
  /**
   * Queues `write` under `key`; resolves true once it (or a newer write under the key) was sent,
   * false if that failed (the failure goes to the outbox's `onError`). Never rejects: callers that
   * do not wait must not leave rejections behind.
   */
  put(key: string, write: () => Promise<void>): Promise<boolean>;
  /** Whether a write under `key` waits or is being sent. */
  busy(key: string): boolean;
  /** What the lane's writers keep about their subjects while writes are outstanding (see EnvironmentCheck). */
  readonly live: Map<string, unknown>;
}

interface Entry {
  write: () => Promise<void>;
  readonly done: Promise<boolean>;
  readonly settle: (sent: boolean) => void;
}

export interface OutboxOptions {
  readonly onError: (error: unknown, key: string) => void;
}

export class Outbox {
  private readonly lanes = new Map<number, Lane>();

  constructor(private readonly options: OutboxOptions) {}

  /** The lane of one installation: its writes go in order, one at a time. */
  lane(installationId: number): OutboxLane {
    let lane = this.lanes.get(installationId);
    if (!lane) {
      lane = new Lane(this.options.onError);
      this.lanes.set(installationId, lane);
    }
    return lane;
  }

  /** Writes waiting or being sent, over every installation. */
  get backlog(): number {
    let total = 0;
    for (const lane of this.lanes.values()) total += lane.backlog;
    return total;
  }

  /** Resolves when no installation has a write waiting or being sent: for tests and shutdown. */
  async drained(): Promise<void> {
    while (this.backlog > 0) await Promise.all([...this.lanes.values()].map((lane) => lane.drained()));
  }
}

class Lane implements OutboxLane {
  private readonly waiting = new Map<string, Entry>();
  private sending: string | undefined;
  private draining: Promise<void> | undefined;
  readonly live = new Map<string, unknown>();

  constructor(private readonly onError: (error: unknown, key: string) => void) {}

  get backlog(): number {
    return this.waiting.size + (this.sending === undefined ? 0 : 1);
  }

  busy(key: string): boolean {
    return this.sending === key || this.waiting.has(key);
  }

  put(key: string, write: () => Promise<void>): Promise<boolean> {
    const queued = this.waiting.get(key);
    if (queued) {
      // Not sent yet: the newer state replaces it, in the older one's place in the line.
      queued.write = write;
      leaveBehind(queued.done);
      return queued.done;
    }
    let settle: (sent: boolean) => void = () => {};
    const done = new Promise<boolean>((resolve) => (settle = resolve));
    leaveBehind(done);
    this.waiting.set(key, { write, done, settle });
    this.draining ??= this.drain().finally(() => (this.draining = undefined));
    return done;
  }

  drained(): Promise<void> {
    return this.draining ?? Promise.resolve();
  }

  private async drain(): Promise<void> {
    for (let next = this.waiting.entries().next(); !next.done; next = this.waiting.entries().next()) {
      const [key, entry] = next.value;
      this.waiting.delete(key);
      this.sending = key;
      let sent = true;
      try {
        await entry.write();
      } catch (error) {
        sent = false;
        // A listener that throws must not leave the write unsettled: a replica holds the look's
        // messages until it settles.
        try {
          this.onError(error, key);
        } catch {
          // The write's failure is what matters here, and it is already being reported.
        }
      } finally {
        this.sending = undefined;
        entry.settle(sent);
      }
    }
  }
}
