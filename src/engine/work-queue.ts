/**
 * The work-queue seam: what is queued is never an event to replay but "look at key K", plus the
 * causes to report. The worker for K reads the truth (GitHub, the stack, the pipeline's
 * executions), decides and acts; so a late, duplicated or reordered cause is harmless by design.
 *
 * The contract every implementation keeps (test/engine/work-queue-contract.ts checks exactly this,
 * for the in-process queue and for SQS FIFO with message group = key, over moto_server's SQS):
 *
 * - **No loss (at least once).** Every cause `submit` accepted is delivered in at least one look
 *   that starts after `submit` was called; a submit that resolved is durable (for a distributed
 *   queue: a worker killed at any point loses nothing). A look may be repeated (a crash, a
 *   redelivery), so looks must be idempotent: they are, because they act on observed state, not on
 *   the cause.
 * - **One look per key at a time (per-key exclusivity)**, across every consumer of the queue, in
 *   every process. Different keys are looked at in parallel, up to the implementation's bound.
 * - **Coalescing.** Causes that arrive while a key waits are delivered together, in one look.
 *   Causes that arrive while the key is being looked at give one more look after it, with all of
 *   them, not one per cause. (A distributed queue hands them out in bounded batches, ten messages
 *   a receive for SQS: under a load of more waiting causes than that, a key's causes may take a
 *   few looks rather than one: still fewer than one per cause, and still one at a time.)
 * - **Order, only where there is one.** A look's causes are oldest first in the order the queue
 *   accepted them: a cause whose `submit` resolved before another's was called comes first.
 *   Causes submitted concurrently (neither waited for the other: two receivers, two deliveries at
 *   once) have no order between them, and a look must not read one into them (SQS orders a group
 *   by arrival, which concurrent senders do not decide; moto_server even reorders a group's
 *   messages whose visibility expired together, after a worker died holding them). The
 *   engine reads a ref's head from GitHub rather than trusting the order of its pushes.
 * - **Quiet period.** A key waits `quietMs` after its latest cause before its look starts, never
 *   more than `maxMs` after its first: a burst of pushes becomes one look.
 * - **Outcomes.** A look returns what it did (`LookOutcome`); the queue hands every outcome to its
 *   `onOutcome` listener, so callers learn of failures without reading logs. A look that throws is
 *   the outcome `failed`.
 * - **Look again at T.** `again` (a stack still busy, a run to look at later) gives another look at
 *   the key no earlier than `atMs`, with the same causes (and any that arrived since). A step never
 *   sleeps inside a look waiting for minutes.
 * - **Retries.** `failed` with `retry: true` (and a throw) is looked at again after a backoff, up to
 *   `maxAttempts` looks for the same causes (`attempt` counts them); after that the causes are
 *   dropped and the outcome says so (`dropped: true`): the reconciler catches up.
 *
 * Causes must be plain JSON (they cross process boundaries in a distributed queue).
 */
export interface WorkQueue<C> {
  /** Asks for a look at `key` because of `cause`. Resolves once the request is accepted (durable, for a distributed queue). */
  submit(key: string, cause: C): Promise<void>;
  /** Starts delivering looks to `worker`. Called once. */
  start(worker: LookWorker<C>): void;
  /** Stops taking new looks; resolves when running looks have ended. */
  stop(): Promise<void>;
  /** Resolves when nothing runs and nothing waits that is due before a scheduled `again` (tests, shutdown). */
  idle(): Promise<void>;
  /** Keys being looked at, and keys waiting (in their quiet period, for a slot, or for a retry). */
  readonly size: { readonly running: number; readonly waiting: number };
}

export interface Look<C> {
  readonly key: string;
  /** Every cause gathered for this look, oldest first where the queue knows an order (see above; never empty). */
  readonly causes: readonly C[];
  /** 1 for the first look at these causes; more after `failed` retries. */
  readonly attempt: number;
}

export type LookOutcome =
  | { readonly kind: "done"; readonly summary: string }
  | { readonly kind: "again"; readonly atMs: number; readonly why: string }
  | { readonly kind: "failed"; readonly error: string; readonly retry: boolean };

export type LookWorker<C> = (look: Look<C>) => Promise<LookOutcome>;

/** What the queue reports of each look. */
export interface LookReport<C> {
  readonly look: Look<C>;
  readonly outcome: LookOutcome;
  /** The causes were given up after the last allowed attempt. */
  readonly dropped: boolean;
}

export type OutcomeListener<C> = (report: LookReport<C>) => void;

/**
 * How long a key waits for more causes before its look: `quietMs` after the latest, never more than
 * `maxMs` after the first, so a steady stream still gets looked at.
 */
export interface Debounce {
  readonly quietMs: number;
  readonly maxMs: number;
}

export const NO_DEBOUNCE: Debounce = { quietMs: 0, maxMs: 0 };

/** What every implementation is built with. */
export interface WorkQueueOptions<C> {
  /** Keys looked at at once (per process, for a distributed queue). */
  readonly concurrency: number;
  readonly debounce?: Debounce;
  /** Looks at the same causes before they are dropped (default 3). */
  readonly maxAttempts?: number;
  /** Wait before the retry of attempt n (default 1 s, 4 s, 9 s, …). */
  readonly retryDelayMs?: (attempt: number) => number;
  readonly onOutcome?: OutcomeListener<C>;
}

export const DEFAULT_MAX_ATTEMPTS = 3;

export function defaultRetryDelayMs(attempt: number): number {
  return 1_000 * attempt * attempt;
}

/** An error as an outcome's text (no stack trace: outcomes reach people). */
export function failureText(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { name?: string; Code?: string }).Code ?? error.name;
    return code && code !== "Error" ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}
