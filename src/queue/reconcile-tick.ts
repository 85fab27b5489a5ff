import { messageDeduplicationId } from "./sqs-ids.js";
import type { OutgoingMessage } from "./sqs-queue.js";

/** The message group of reconcile passes: one pass at a time, across every worker. */
export const RECONCILE_GROUP = "branchline-reconcile";

/**
 * A reconcile tick as a server replica sends it on its own timer, shaped like the EventBridge
 * schedule's event so one code path reads both. Every replica's timer names the same tick for the
 * same interval, and the tick is the deduplication id: however many replicas run, one pass per
 * interval runs, on whichever worker receives it.
 */
export function reconcileTick(nowMs: number, intervalMs: number): OutgoingMessage {
  const tick = new Date(Math.floor(nowMs / intervalMs) * intervalMs).toISOString();
  return {
    groupId: RECONCILE_GROUP,
    deduplicationId: messageDeduplicationId(`tick:${tick}`, RECONCILE_GROUP),
    body: JSON.stringify({
      version: "0",
      id: `branchline-tick-${tick}`,
      source: "aws.events",
      "detail-type": "Scheduled Event",
      time: tick,
      resources: [],
      detail: {},
    }),
  };
}
