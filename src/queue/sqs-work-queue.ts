import { createHash } from "node:crypto";
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
} from "../engine/work-queue.js";
import {
  arrived,
  dueAt,
  freshEnvelope,
  heldEnvelope,
  lookOf,
  mergeEnvelopes,
  parseEnvelope,
  type LookEnvelope,
} from "./look-envelope.js";
import { keepInFlight } from "./kept-in-flight.js";
import { SqsConsumer, type ConsumerLog } from "./sqs-consumer.js";
import { withinLook } from "../core/look-context.js";
import { messageDeduplicationId, messageGroupId } from "./sqs-ids.js";
import type { OutgoingMessage, ReceivedMessage, SqsQueue } from "./sqs-queue.js";

interface Outbox {
  readonly items: {
    readonly message: OutgoingMessage;
    readonly resolve: () => void;
    readonly reject: (error: unknown) => void;
  }[];
  busy: boolean;
}

export interface SqsWorkQueueOptions<C> extends WorkQueueOptions<C> {
  readonly queue: SqsQueue;
  readonly log: ConsumerLog;
  /** How long a received look stays hidden without a heartbeat (a crashed worker's looks return after this). */
  readonly visibilitySeconds?: number;
  /** Long-polling wait of one receive. */
  readonly waitSeconds?: number;
  readonly heartbeatMs?: number;
  /** The longest a done look's messages are kept for its GitHub writes (kept-in-flight.ts); 10 minutes by default. */
  readonly maxHoldMs?: number;
  /** How long stop() waits for kept looks' writes before handing their messages back; 30 s by default. */
  readonly stopHoldMs?: number;
  /**
   * The identity of a cause, for SQS's five-minute deduplication: the webhook delivery id makes a
   * redelivered webhook one message. By default, the cause's JSON.
   */
  readonly causeId?: (cause: C) => string;
  /**
   * A message that is not one of this queue's looks (an EventBridge event sent by a rule): resolving
   * deletes it, throwing retries it. Unset, such messages are logged and deleted.
   */
  readonly foreign?: (body: string, message: ReceivedMessage) => Promise<void>;
  /** The longest a look that is not yet due stays hidden before its group is looked at again, so new causes can bring it forward. */
  readonly peekMs?: number;
  readonly now?: () => number;
}

/**
 * A message received this often without being worked (each early peek counts a receive) is sent
 * again as a new message, so SQS's redrive to the dead-letter queue only ever counts crashes and
 * failures, never waiting.
 */
const RESEND_AT_RECEIVE = 3;

/**
 * The work queue on SQS FIFO (work-queue.ts has the contract): message group = key, so SQS hands a
 * key to one consumer at a time across every process; a look's messages are deleted only after its
 * outcome is settled, so a worker killed at any point loses nothing (its heartbeats stop, and the
 * messages come back to another worker). "Later" (a quiet period, "again", a retry) is a message
 * kept hidden until it is due, or sent again carrying its due time: FIFO queues have no
 * per-message delay.
 */
export class SqsWorkQueue<C> implements WorkQueue<C> {
  private consumer: SqsConsumer | undefined;
  private running = 0;
  /** When looks this process put back for later are due: those do not keep `idle` waiting. */
  private readonly holds = new Map<string, number>();
  private readonly pending = new Set<Promise<void>>();
  /** Looks done whose messages are kept until their GitHub writes are sent (deleteWhenSettled). */
  private readonly settling = new Set<Promise<void>>();
  /** Aborted when stop() has waited long enough for the kept looks. */
  private readonly releasing = new AbortController();
  private failedSends = 0;
  /** Submits waiting for the send before them, per key. */
  private readonly outbox = new Map<string, Outbox>();
  private readonly now: () => number;
  private readonly debounce;
  private readonly maxAttempts;
  private readonly retryDelayMs;
  private readonly peekMs;
  /** The consumer's and the kept looks' visibility and heartbeat: one pair, so they cannot drift. */
  private readonly visibilitySeconds: number;
  private readonly heartbeatMs: number;

  constructor(private readonly options: SqsWorkQueueOptions<C>) {
    this.now = options.now ?? Date.now;
    this.debounce = options.debounce ?? NO_DEBOUNCE;
    this.maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    this.retryDelayMs = options.retryDelayMs ?? defaultRetryDelayMs;
    this.peekMs = options.peekMs ?? 5_000;
    this.visibilitySeconds = options.visibilitySeconds ?? 60;
    this.heartbeatMs = options.heartbeatMs || (this.visibilitySeconds * 1000) / 3;
  }

  /**
   * Submits to one key from this process reach SQS in call order: one send at a time per key, and
   * what was submitted meanwhile goes in the next batch (so a burst is one or two calls, not one each).
   */
  submit(key: string, cause: C): Promise<void> {
    const id = this.options.causeId?.(cause) ?? createHash("sha256").update(JSON.stringify(cause)).digest("hex");
    const sent = new Promise<void>((resolve, reject) => {
      let box = this.outbox.get(key);
      if (!box) {
        box = { items: [], busy: false };
        this.outbox.set(key, box);
      }
      box.items.push({
        message: this.outgoing(freshEnvelope(key, cause), messageDeduplicationId(id, key)),
        resolve,
        reject,
      });
      if (!box.busy) void this.drain(key, box);
    });
    this.pending.add(sent);
    sent.then(
      () => this.pending.delete(sent),
      () => {
        this.pending.delete(sent);
        this.failedSends++;
      },
    );
    return sent;
  }

  /**
   * Resolves when every submit made so far has reached SQS; rejects if one made meanwhile failed.
   * A forwarded webhook is deleted only after this, so the looks it caused are durable first.
   */
  async flushed(): Promise<void> {
    const failedBefore = this.failedSends;
    await Promise.allSettled([...this.pending]);
    if (this.failedSends > failedBefore) throw new Error("a look could not be put on the work queue");
  }

  private async drain(key: string, box: Outbox): Promise<void> {
    box.busy = true;
    while (box.items.length > 0) {
      const batch = box.items.splice(0, 10);
      try {
        await this.options.queue.send(batch.map((item) => item.message));
        for (const item of batch) item.resolve();
      } catch (error) {
        for (const item of batch) item.reject(error);
      }
    }
    box.busy = false;
    this.outbox.delete(key);
  }

  start(worker: LookWorker<C>): void {
    if (this.consumer) throw new Error("the queue has a worker already");
    this.consumer = new SqsConsumer(
      this.options.queue,
      {
        concurrency: this.options.concurrency,
        visibilitySeconds: this.visibilitySeconds,
        waitSeconds: this.options.waitSeconds ?? 20,
        heartbeatMs: this.heartbeatMs,
      },
      {
        log: this.options.log,
        work: (_, messages) => this.group(messages, worker),
        overflow: (messages) => this.handBack(messages),
      },
    );
    this.consumer.start();
  }

  async stop(): Promise<void> {
    await this.consumer?.stop();
    // A deploy's stop timeout (the service template gives 120 s) is shorter than a long backlog.
    const release = setTimeout(() => this.releasing.abort(), this.options.stopHoldMs ?? 30_000);
    while (this.settling.size > 0) await Promise.all([...this.settling]);
    clearTimeout(release);
  }

  async idle(): Promise<void> {
    for (;;) {
      const now = this.now();
      for (const [id, due] of this.holds) if (due <= now) this.holds.delete(id);
      if (this.running === 0 && (this.consumer?.size.running ?? 0) === 0 && this.settling.size === 0) {
        const depth = await this.options.queue.depth();
        if (depth.visible + depth.inFlight <= this.holds.size) return;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  get size(): { running: number; waiting: number } {
    const held = this.consumer?.size ?? { running: 0, waiting: 0 };
    return { running: this.running, waiting: held.running + held.waiting - this.running };
  }

  /** Messages over the bound go back; one received often is sent again, so waiting never reaches the dead-letter queue. */
  private async handBack(messages: readonly ReceivedMessage[]): Promise<void> {
    const often = messages.filter((m) => m.receiveCount >= RESEND_AT_RECEIVE);
    const rest = messages.filter((m) => m.receiveCount < RESEND_AT_RECEIVE);
    if (rest.length > 0) await this.options.queue.setVisibility(rest, 0);
    for (const message of often) {
      const parsed = parseEnvelope<C>(message.body);
      if (parsed.ok) {
        await this.send(
          arrived(parsed.envelope, message.sentMs),
          messageDeduplicationId(`back:${message.messageId}:${message.receiveCount}`, parsed.envelope.key),
        );
        await this.options.queue.delete([message]);
      } else {
        await this.options.queue.setVisibility([message], 0);
      }
    }
  }

  /**
   * One message group's messages, received together: foreign ones are handed on, each key's looks
   * merged into one. Every message is disposed of here (deleted, or kept for later), so the
   * consumer deletes nothing itself; a throw leaves what is left for a retry.
   */
  private async group(messages: readonly ReceivedMessage[], worker: LookWorker<C>): Promise<"kept"> {
    // Usually one key per group; two only when the hashes of two long keys collide.
    const byKey = new Map<string, { envelopes: LookEnvelope<C>[]; messages: ReceivedMessage[] }>();
    for (const message of messages) {
      const parsed = parseEnvelope<C>(message.body);
      if (!parsed.ok) {
        if (this.options.foreign) await this.options.foreign(message.body, message);
        else
          this.options.log.warn(
            { messageId: message.messageId, reason: parsed.error },
            "a message on the work queue is not a look; it is dropped",
          );
        await this.options.queue.delete([message]);
        continue;
      }
      const entry = byKey.get(parsed.envelope.key) ?? { envelopes: [], messages: [] };
      entry.envelopes.push(arrived(parsed.envelope, message.sentMs));
      entry.messages.push(message);
      byKey.set(parsed.envelope.key, entry);
    }
    for (const [key, entry] of byKey) {
      const result = await this.key(key, entry.envelopes, entry.messages, worker);
      if (result === "kept") continue;
      if (result === "done") await this.options.queue.delete(entry.messages);
      else this.deleteWhenSettled(key, entry.messages, result.settled);
    }
    return "kept";
  }

  /** See keepInFlight: the look's messages go once the GitHub writes it queued are sent. */
  private deleteWhenSettled(key: string, messages: readonly ReceivedMessage[], settled: Promise<void>): void {
    const deleted = keepInFlight(this.options.queue, messages, settled, {
      key,
      visibilitySeconds: this.visibilitySeconds,
      heartbeatMs: this.heartbeatMs,
      maxHoldMs: this.options.maxHoldMs ?? 600_000,
      release: this.releasing.signal,
      log: this.options.log,
    }).finally(() => this.settling.delete(deleted));
    this.settling.add(deleted);
  }

  private async key(
    key: string,
    envelopes: LookEnvelope<C>[],
    messages: ReceivedMessage[],
    worker: LookWorker<C>,
  ): Promise<"done" | "kept" | { readonly settled: Promise<void> }> {
    const merged = mergeEnvelopes(envelopes);
    const wait = dueAt(envelopes, this.debounce) - this.now();
    const ids = messages.map((m) => m.messageId).join(",");
    if (wait > 0) {
      if (merged.held && merged.fresh.length === 0) this.holds.set(key, merged.held.notBefore);
      // Several messages become one (SQS then keeps them together; moto_server even hands out a
      // group's returning messages out of order), and a message peeked at often starts afresh.
      if (messages.length > 1 || Math.max(...messages.map((m) => m.receiveCount)) >= RESEND_AT_RECEIVE) {
        await this.send(merged, messageDeduplicationId(`later:${ids}`, key));
        return "done";
      }
      await this.options.queue.setVisibility(messages, Math.ceil(Math.min(wait, this.peekMs) / 1000));
      return "kept";
    }
    this.holds.delete(key);
    const look: Look<C> = { key, ...lookOf(merged) };
    this.running++;
    let outcome: LookOutcome;
    let settled: Promise<void> | undefined;
    try {
      const result = await withinLook(`${key}#${messages[0]?.messageId ?? "?"}#${messages[0]?.receiveCount ?? 0}`, () =>
        worker(look),
      );
      outcome = result.value;
      settled = result.settled;
    } catch (error) {
      outcome = { kind: "failed", error: failureText(error), retry: true };
    } finally {
      this.running--;
    }
    let dropped = false;
    // What comes after is sent before the look's messages are deleted: a crash in between repeats a look, never loses one.
    switch (outcome.kind) {
      case "done":
        break;
      case "again":
        this.holds.set(key, outcome.atMs);
        await this.send(heldEnvelope(key, look.causes, 0, outcome.atMs), messageDeduplicationId(`again:${ids}`, key));
        break;
      case "failed":
        if (outcome.retry && look.attempt < this.maxAttempts) {
          const at = this.now() + this.retryDelayMs(look.attempt);
          this.holds.set(key, at);
          await this.send(
            heldEnvelope(key, look.causes, look.attempt, at),
            messageDeduplicationId(`retry:${ids}`, key),
          );
        } else {
          dropped = true;
        }
        break;
    }
    try {
      this.options.onOutcome?.({ look, outcome, dropped });
    } catch (error) {
      this.options.log.warn({ err: error }, "an outcome listener failed");
    }
    return settled ? { settled } : "done";
  }

  private send(envelope: LookEnvelope<C>, deduplicationId: string): Promise<void> {
    return this.options.queue.send([this.outgoing(envelope, deduplicationId)]);
  }

  private outgoing(envelope: LookEnvelope<C>, deduplicationId: string): OutgoingMessage {
    return { groupId: messageGroupId(envelope.key), deduplicationId, body: JSON.stringify(envelope) };
  }
}
