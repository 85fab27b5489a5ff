import { createHash } from "node:crypto";

/**
 * SQS FIFO's MessageGroupId and MessageDeduplicationId both accept 1 to 128 characters of
 * `[a-zA-Z0-9!-~]` (printable ASCII, no space). Environment keys carry branch names, which git lets
 * be longer and non-ASCII; such a key keeps a readable prefix and a hash of the whole, so one key
 * always maps to one group. Two keys sharing a group would only be worked one after the other,
 * never wrongly, and the hash makes that as unlikely as a SHA-256 collision.
 */
const ALLOWED = /^[!-~]{1,128}$/;
const MAX = 128;

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

function fitted(text: string): string {
  if (ALLOWED.test(text)) return text;
  const readable = text.replace(/[^!-~]+/g, "_");
  const hash = sha256(text);
  return `${readable.slice(0, MAX - hash.length - 1)}~${hash}`;
}

/** The message group of an environment key: one environment, one group, one worker at a time. */
export function messageGroupId(key: string): string {
  if (key.length === 0) throw new Error("an environment key is never empty");
  return fitted(key);
}

/**
 * The deduplication id of a look at `key` caused by `deliveryId` (a webhook delivery, a reconcile
 * tick, an EventBridge event id): a redelivered webhook keeps its delivery id, so within SQS's
 * five-minute window it is one message. Later duplicates are two looks, which find nothing to do.
 */
export function messageDeduplicationId(deliveryId: string, key: string): string {
  if (deliveryId.length === 0) throw new Error("a delivery id is never empty");
  // Always hashed: the pair must not collide with another pair whose parts join to the same text.
  const hash = sha256(`${deliveryId}\0${key}`);
  const readable = deliveryId.replace(/[^!-~]+/g, "_").slice(0, MAX - hash.length - 1);
  return `${readable}~${hash}`;
}
