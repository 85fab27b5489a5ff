import { MAX_BODY_BYTES } from "./sqs-queue.js";

/**
 * A webhook as the stateless receiver forwards it: its signature already verified, carried on the
 * work queue to a worker, which runs the whole app on it (Probot's `receive`). The receiver thus
 * needs nothing but the webhook secret and the right to send to the queue; every decision is the
 * worker's, in one place.
 */
export interface ForwardedWebhook {
  readonly v: 1;
  readonly kind: "webhook";
  readonly id: string;
  readonly name: string;
  readonly payload: Record<string, unknown>;
}

/** Room left for the envelope around a payload. */
const LIMIT = MAX_BODY_BYTES - 1024;

/**
 * The message body for a webhook. A push lists up to 2048 commits, more than SQS's 256 KB can
 * hold, and branchline reads none of them (the ref's head comes from GitHub), so a payload that
 * does not fit loses its commit lists; one that still does not fit is refused, and GitHub marks
 * the delivery failed (the reconcile pass catches up).
 */
export function forwardedBody(id: string, name: string, payload: Record<string, unknown>): string {
  const body = JSON.stringify({ v: 1, kind: "webhook", id, name, payload } satisfies ForwardedWebhook);
  if (Buffer.byteLength(body, "utf8") <= LIMIT) return body;
  const {
    commits: _commits,
    head_commit: head,
    ...rest
  } = payload as { commits?: unknown; head_commit?: Record<string, unknown> | null };
  const trimmedHead = head ? { id: head.id, tree_id: head.tree_id, timestamp: head.timestamp } : head;
  const trimmed = JSON.stringify({
    v: 1,
    kind: "webhook",
    id,
    name,
    payload: { ...rest, ...(head === undefined ? {} : { head_commit: trimmedHead }), commits: [] },
  });
  if (Buffer.byteLength(trimmed, "utf8") <= LIMIT) return trimmed;
  throw new Error(
    `the ${name} webhook ${id} is ${Buffer.byteLength(trimmed, "utf8")} bytes even without its commits, over what a queue message holds`,
  );
}

export function parseForwarded(value: unknown): ForwardedWebhook | null {
  if (typeof value !== "object" || value === null) return null;
  const w = value as Record<string, unknown>;
  if (w.v !== 1 || w.kind !== "webhook") return null;
  if (typeof w.id !== "string" || w.id.length === 0 || typeof w.name !== "string" || w.name.length === 0) return null;
  if (typeof w.payload !== "object" || w.payload === null) return null;
  return value as ForwardedWebhook;
}
