import type { ApplicationFunction } from "probot";
import { forwardedBody } from "./forwarded-webhook.js";
import { messageDeduplicationId, messageGroupId } from "./sqs-ids.js";
import type { SqsQueue } from "./sqs-queue.js";

/**
 * The stateless receiver: every webhook Probot has verified goes on the work queue as it is, and the
 * answer waits only for SQS to have it. A redelivered webhook keeps its delivery id, which is the
 * deduplication id, so within SQS's five minutes it is one message. Each delivery is a message
 * group of its own: webhooks need no order (a look reads the truth), only the looks they cause do.
 */
export function receiverApp(queue: SqsQueue): ApplicationFunction {
  return (app) => {
    app.onAny(async (context) => {
      await queue.send([
        {
          groupId: messageGroupId(`webhook:${context.id}`),
          deduplicationId: messageDeduplicationId(context.id, "webhook"),
          body: forwardedBody(context.id, context.name, context.payload as unknown as Record<string, unknown>),
        },
      ]);
    });
  };
}
