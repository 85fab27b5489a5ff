import type { PipelineEvent } from "../aws/pipeline-events.js";
import { isEventBridgeEvent, lookFromEvent } from "./eventbridge-looks.js";
import { parseForwarded, type ForwardedWebhook } from "./forwarded-webhook.js";

/** What a worker does with the work queue's messages that are not looks. */
export interface ForeignTargets {
  /** Runs the app on a forwarded webhook; resolves once every look it asked for is on the queue. */
  readonly webhook: (webhook: ForwardedWebhook) => Promise<void>;
  /** A pipeline's state changed: look at that run now. */
  readonly pipelineEvent: (event: PipelineEvent) => void;
  /** The schedule ticked: one reconcile pass (the tick's group keeps passes one at a time across workers). */
  readonly reconcile: (tick: string) => Promise<void>;
  readonly log: { debug(details: object, message: string): void; warn(details: object, message: string): void };
}

/**
 * Dispatches one foreign message: a forwarded webhook, or an EventBridge event (pipeline, stack,
 * schedule). Resolving lets the queue delete it; throwing retries it (and, in the end, the
 * dead-letter queue keeps it). What is not understood is logged and dropped: retrying cannot
 * make it understood.
 */
export async function handleForeign(body: string, targets: ForeignTargets): Promise<void> {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    targets.log.warn({ bytes: body.length }, "a work queue message is not JSON; it is dropped");
    return;
  }
  const webhook = parseForwarded(value);
  if (webhook) {
    await targets.webhook(webhook);
    return;
  }
  if (!isEventBridgeEvent(value)) {
    targets.log.warn({}, "a work queue message is neither a look, a webhook nor an EventBridge event; it is dropped");
    return;
  }
  const look = lookFromEvent(value);
  switch (look.kind) {
    case "pipeline":
      targets.pipelineEvent(look.event);
      return;
    case "stack":
      // A stack's own operation is followed by the look that started it; a stack changed by anyone
      // else is found by the next reconcile pass. The event is only logged.
      targets.log.debug({ stack: look.stackName, status: look.status }, "stack status event");
      return;
    case "reconcile":
      await targets.reconcile(look.tick);
      return;
    case "ignored":
      targets.log.warn(
        { reason: look.reason },
        "an EventBridge event on the work queue is not branchline's; it is dropped",
      );
      return;
  }
}
