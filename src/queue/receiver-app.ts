import type { ApplicationFunction } from "probot";
import { forwardedBody } from "./forwarded-webhook.js";
import { messageDeduplicationId, messageGroupId } from "./sqs-ids.js";
import type { SqsQueue } from "./sqs-queue.js";

/**
 * One message group per repository: its webhooks are turned into looks in the order GitHub sent
 * them, as one process would, even when a worker dies holding one (the group waits for it to come
 * back). Groups per delivery would let a killed worker's old push be looked at after a newer delete.
 */
export function webhookGroup(payload: Record<string, unknown>): string {
  const installation = (payload.installation as { id?: unknown } | undefined)?.id ?? "none";
  const repository = (payload.repository as { id?: unknown } | undefined)?.id ?? "none";
  return `webhook:${String(installation)}:${String(repository)}`;
}

/**
 * The stateless receiver: every webhook Probot has verified goes on the work queue as it is, and the
 * answer waits only for SQS to have it. A redelivered webhook keeps its delivery id, which is the
 * deduplication id, so within SQS's five minutes it is one message.
 */
export function receiverApp(queue: SqsQueue): ApplicationFunction {
  return (app) => {
    app.onAny(async (context) => {
      await queue.send([
        {
          groupId: messageGroupId(webhookGroup(context.payload as unknown as Record<string, unknown>)),
          deduplicationId: messageDeduplicationId(context.id, "webhook"),
          body: forwardedBody(context.id, context.name, context.payload as unknown as Record<string, unknown>),
        },
      ]);
    });
  };
}
