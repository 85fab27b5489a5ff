import type { Debounce } from "../engine/work-queue.js";

/**
 * What one SQS message of the work queue carries: causes for a look at one key. Fresh causes (from
 * submits) carry when they arrived; held causes were put back by a look ("again", a retry) with the
 * time they are due. Envelopes of one key merge into one, so a look at a message group is a look at
 * every cause it holds, and due-ness is decided the way the in-process queue decides it.
 */
export interface LookEnvelope<C> {
  readonly v: 1;
  readonly key: string;
  readonly held: HeldCauses<C> | null;
  /** Oldest first. `at` is unset until SQS's SentTimestamp gives it (see `arrived`). */
  readonly fresh: readonly FreshCause<C>[];
}

export interface HeldCauses<C> {
  readonly causes: readonly C[];
  /** Failed looks these causes have had already (0 after "again"). */
  readonly attempts: number;
  /** Not to be looked at before this (epoch ms). */
  readonly notBefore: number;
}

export interface FreshCause<C> {
  readonly cause: C;
  readonly at?: number;
}

export type EnvelopeParse<C> =
  { readonly ok: true; readonly envelope: LookEnvelope<C> } | { readonly ok: false; readonly error: string };

const isTime = (value: unknown) => typeof value === "number" && Number.isFinite(value) && value >= 0;

/** Reads a message body; anything else (an EventBridge event, garbage) is an error saying what it is not. */
export function parseEnvelope<C>(body: string): EnvelopeParse<C> {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { ok: false, error: "not JSON" };
  }
  if (typeof value !== "object" || value === null) return { ok: false, error: "not an object" };
  const e = value as Record<string, unknown>;
  if (e.v !== 1) return { ok: false, error: "not a branchline look (v is not 1)" };
  if (typeof e.key !== "string" || e.key.length === 0) return { ok: false, error: "a look without a key" };
  if (!Array.isArray(e.fresh)) return { ok: false, error: "fresh is not a list" };
  for (const f of e.fresh as unknown[]) {
    if (typeof f !== "object" || f === null || !("cause" in f))
      return { ok: false, error: "a fresh entry without a cause" };
    const at = (f as { at?: unknown }).at;
    if (at !== undefined && !isTime(at)) return { ok: false, error: "a time is not epoch milliseconds" };
  }
  if (e.held !== null) {
    const h = e.held as Record<string, unknown> | undefined;
    if (typeof h !== "object" || !Array.isArray(h.causes)) return { ok: false, error: "held causes are not a list" };
    if (typeof h.attempts !== "number" || !Number.isInteger(h.attempts) || h.attempts < 0)
      return { ok: false, error: "attempts is not a count" };
    if (!isTime(h.notBefore)) return { ok: false, error: "a time is not epoch milliseconds" };
  }
  const held = e.held as HeldCauses<C> | null;
  if (e.fresh.length === 0 && (held === null || held.causes.length === 0))
    return { ok: false, error: "a look without causes" };
  return { ok: true, envelope: value as LookEnvelope<C> };
}

/** A submitted cause. It carries no time: SQS's SentTimestamp says when it arrived (see `arrived`). */
export function freshEnvelope<C>(key: string, cause: C): LookEnvelope<C> {
  return { v: 1, key, held: null, fresh: [{ cause }] };
}

export function heldEnvelope<C>(
  key: string,
  causes: readonly C[],
  attempts: number,
  notBefore: number,
): LookEnvelope<C> {
  return { v: 1, key, held: { causes, attempts, notBefore }, fresh: [] };
}

/**
 * A submitted cause's arrival, from SQS's SentTimestamp: the quiet period counts from when the
 * queue had it, not from when a sender started sending. Causes that know their time keep it.
 */
export function arrived<C>(envelope: LookEnvelope<C>, sentMs: number): LookEnvelope<C> {
  if (envelope.fresh.every((f) => f.at !== undefined)) return envelope;
  return { ...envelope, fresh: envelope.fresh.map((f) => (f.at === undefined ? { ...f, at: sentMs } : f)) };
}

/**
 * When the causes of these envelopes (one key) may be looked at: fresh causes after their quiet
 * period (`quietMs` after the latest, never more than `maxMs` after the first), held ones at their
 * time; fresh causes arriving for held ones bring the look forward.
 */
export function dueAt<C>(envelopes: readonly LookEnvelope<C>[], debounce: Debounce): number {
  let first = Infinity;
  let last = -Infinity;
  let held = Infinity;
  for (const e of envelopes) {
    for (const f of e.fresh) {
      first = Math.min(first, f.at ?? 0);
      last = Math.max(last, f.at ?? 0);
    }
    if (e.held) held = Math.min(held, e.held.notBefore);
  }
  if (first === Infinity) return held === Infinity ? 0 : held;
  return Math.min(held, last + debounce.quietMs, first + debounce.maxMs);
}

/**
 * One envelope for many of one key: held causes in queue order, fresh ones by arrival (a message
 * put back for later goes behind newer ones in the queue; its causes do not). `dueAt([merge(xs)])`
 * equals `dueAt(xs)`, so a merged envelope can be put back for later.
 */
export function mergeEnvelopes<C>(envelopes: readonly LookEnvelope<C>[]): LookEnvelope<C> {
  const first = envelopes[0];
  if (!first) throw new Error("nothing to merge");
  const helds = envelopes.flatMap((e) => (e.held ? [e.held] : []));
  const fresh = envelopes.flatMap((e) => e.fresh).sort((a, b) => (a.at ?? 0) - (b.at ?? 0));
  const held: HeldCauses<C> | null =
    helds.length === 0
      ? null
      : {
          causes: helds.flatMap((h) => h.causes),
          attempts: Math.max(...helds.map((h) => h.attempts)),
          notBefore: Math.min(...helds.map((h) => h.notBefore)),
        };
  return { v: 1, key: first.key, held, fresh };
}

/** The causes a look at a merged envelope gets, oldest first, and which attempt it is. */
export function lookOf<C>(envelope: LookEnvelope<C>): { readonly causes: readonly C[]; readonly attempt: number } {
  const causes = [...(envelope.held?.causes ?? []), ...envelope.fresh.map((f) => f.cause)];
  // A fresh cause deserves a full set of attempts, as in the in-process queue.
  const attempt = envelope.fresh.length > 0 ? 1 : (envelope.held?.attempts ?? 0) + 1;
  return { causes, attempt };
}
