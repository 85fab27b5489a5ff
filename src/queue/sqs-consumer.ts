import { LostMessageError, type ReceivedMessage, type SqsQueue } from "./sqs-queue.js";

export interface ConsumerLog {
  debug(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface ConsumerOptions {
  /** Groups (environments) worked at once by this consumer. */
  readonly concurrency: number;
  /** How long a received message stays hidden without a heartbeat: a crashed consumer's work comes back after this. */
  readonly visibilitySeconds: number;
  /** Long-polling wait of one receive (at most 20). */
  readonly waitSeconds: number;
  /** How often held messages have their visibility extended; a third of the visibility by default. */
  readonly heartbeatMs?: number;
  /** Seconds a failed group's messages stay hidden before they are tried again (SQS's redrive moves them to the dead-letter queue after maxReceiveCount). */
  readonly retrySeconds?: (receiveCount: number) => number;
}

export interface ConsumerHooks {
  /**
   * Works one group's messages, oldest first, as one look. Resolving deletes them, unless it
   * resolves "kept" (the work put them back itself, e.g. for later); throwing leaves them for a retry. The signal aborts when SQS says the messages are no longer held by this
   * consumer (a heartbeat came too late), so the work should stop before its next step.
   */
  readonly work: (groupId: string, messages: readonly ReceivedMessage[], signal: AbortSignal) => Promise<void | "kept">;
  readonly log: ConsumerLog;
  /**
   * Messages received beyond the consumer's bound, to be handed back; by default made visible at
   * once. Each hand-back counts a receive toward the dead-letter queue's maxReceiveCount, which is
   * why a work queue that re-sends often-received messages takes this over.
   */
  readonly overflow?: (messages: readonly ReceivedMessage[]) => Promise<void>;
}

interface Group {
  /** Received, not yet started. */
  readonly messages: ReceivedMessage[];
  /** Being worked now. */
  inWork: readonly ReceivedMessage[];
  running: boolean;
  readonly abort: AbortController;
}

const defaultRetrySeconds = (receiveCount: number) => Math.min(300, 5 * 2 ** Math.max(0, receiveCount - 1));

/**
 * Takes messages from a FIFO queue and works each group with one call at a time. Messages are
 * deleted only after their work succeeded, so a consumer killed at any point loses nothing: its
 * heartbeats stop, the visibility expires, and another consumer receives the same messages.
 */
export class SqsConsumer {
  private readonly groups = new Map<string, Group>();
  private readonly receiving = new AbortController();
  private stopped = false;
  private loop: Promise<void> | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly queue: SqsQueue,
    private readonly options: ConsumerOptions,
    private readonly hooks: ConsumerHooks,
  ) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1)
      throw new Error("concurrency must be a positive integer");
    if (options.visibilitySeconds < 2)
      throw new Error("visibilitySeconds must be at least 2, so a heartbeat fits inside it");
  }

  start(): void {
    if (this.loop) return;
    const heartbeatMs = this.options.heartbeatMs ?? (this.options.visibilitySeconds * 1000) / 3;
    this.heartbeat = setInterval(() => void this.beat(), heartbeatMs);
    this.loop = this.receiveLoop();
  }

  /** Stops receiving, hands back messages not yet started, and waits for the work in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.receiving.abort();
    this.wake?.();
    await this.loop;
    const waiting: ReceivedMessage[] = [];
    for (const [groupId, group] of this.groups) {
      if (group.running) continue;
      waiting.push(...group.messages);
      this.groups.delete(groupId);
    }
    if (waiting.length > 0)
      await this.queue
        .setVisibility(waiting, 0)
        .catch((error: unknown) =>
          this.hooks.log.warn(
            { err: error },
            "could not hand back messages; they return when their visibility expires",
          ),
        );
    await Promise.all(this.running);
    clearInterval(this.heartbeat);
  }

  /** Groups held: running and waiting here. */
  get size(): { running: number; waiting: number } {
    let running = 0;
    for (const group of this.groups.values()) if (group.running) running++;
    return { running, waiting: this.groups.size - running };
  }

  private async receiveLoop(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      const free = this.options.concurrency - this.groups.size;
      if (free <= 0) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        continue;
      }
      let messages: ReceivedMessage[];
      try {
        // Always ten: a group's messages come together only if the batch has room for them.
        messages = await this.queue.receive(
          { max: 10, waitSeconds: this.options.waitSeconds, visibilitySeconds: this.options.visibilitySeconds },
          this.receiving.signal,
        );
        failures = 0;
      } catch (error) {
        if (this.stopped) break;
        failures++;
        this.hooks.log.warn({ err: error, failures }, "could not receive from the work queue; trying again");
        await new Promise((resolve) => setTimeout(resolve, Math.min(30_000, 500 * 2 ** failures)));
        continue;
      }
      const overflow: ReceivedMessage[] = [];
      for (const message of messages) {
        const group = this.groups.get(message.groupId);
        if (group) group.messages.push(message);
        else if (this.groups.size < this.options.concurrency)
          this.groups.set(message.groupId, {
            messages: [message],
            inWork: [],
            running: false,
            abort: new AbortController(),
          });
        else overflow.push(message);
      }
      this.pump();
      if (overflow.length > 0) await this.handBack(overflow);
    }
  }

  /** Groups received beyond this consumer's bound go back at once, for another consumer (or this one, later). */
  private async handBack(messages: readonly ReceivedMessage[]): Promise<void> {
    try {
      if (this.hooks.overflow) await this.hooks.overflow(messages);
      else await this.queue.setVisibility(messages, 0);
    } catch (error) {
      this.hooks.log.warn(
        { err: error },
        "could not hand back messages over this consumer's bound; they return when their visibility expires",
      );
    }
  }

  private pump(): void {
    for (const [groupId, group] of this.groups) {
      if (group.running || group.messages.length === 0) continue;
      group.running = true;
      const work = this.work(groupId, group);
      this.running.add(work);
      void work.finally(() => this.running.delete(work));
    }
  }

  private async work(groupId: string, group: Group): Promise<void> {
    const messages = group.messages.splice(0);
    group.inWork = messages;
    try {
      const disposition = await this.hooks.work(groupId, messages, group.abort.signal);
      if (disposition !== "kept") await this.queue.delete(messages);
    } catch (error) {
      if (error instanceof LostMessageError) {
        this.hooks.log.warn(
          { err: error, groupId },
          "work was done but its messages had returned to the queue; they will be looked at again, which repeats nothing",
        );
      } else {
        const receiveCount = Math.max(...messages.map((message) => message.receiveCount));
        const seconds = (this.options.retrySeconds ?? defaultRetrySeconds)(receiveCount);
        this.hooks.log.error(
          { err: error, groupId, receiveCount, retryInSeconds: seconds },
          "work on a queue group failed; it is retried, and moved to the dead-letter queue after too many receives",
        );
        await this.queue
          .setVisibility(messages, seconds)
          .catch((releaseError: unknown) =>
            this.hooks.log.warn(
              { err: releaseError, groupId },
              "could not set the retry delay; the messages return when their visibility expires",
            ),
          );
      }
    } finally {
      group.inWork = [];
      // Messages of this group that arrived meanwhile (only after a lost visibility) run next.
      if (group.messages.length > 0 && !this.stopped) {
        group.running = false;
        this.pump();
      } else {
        this.groups.delete(groupId);
        if (group.messages.length > 0) await this.queue.setVisibility(group.messages, 0).catch(() => undefined);
      }
      this.wake?.();
    }
  }

  private async beat(): Promise<void> {
    const held = [...this.groups.values()].flatMap((group) => [...group.messages, ...group.inWork]);
    if (held.length === 0) return;
    try {
      await this.queue.setVisibility(held, this.options.visibilitySeconds);
    } catch (error) {
      if (!(error instanceof LostMessageError)) {
        this.hooks.log.warn({ err: error }, "a heartbeat failed; trying again at the next one");
        return;
      }
      for (const [groupId, group] of this.groups) {
        const ids = [...group.messages, ...group.inWork].map((message) => message.messageId);
        if (ids.some((id) => error.messageIds.includes(id))) {
          this.hooks.log.error(
            { groupId },
            "SQS no longer holds a group's messages for this consumer (a heartbeat came too late); its work is aborted",
          );
          group.abort.abort(error);
        }
      }
    }
  }
}
