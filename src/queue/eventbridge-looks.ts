import { z } from "zod";
import { parsePipelineEvent, type PipelineEvent } from "../aws/pipeline-events.js";

/**
 * What an EventBridge event on the work queue asks for. EventBridge's SQS target sends the whole
 * event as the message body, under one fixed MessageGroupId per rule target, so a worker turns it
 * into a look at the environment the event names: the pipeline's or the stack's (branchline names
 * both, and the pipeline is named as its stack), or, for the schedule, a reconcile pass.
 * An event only says "look now"; what is true is always read from AWS, so duplicates, late and
 * out-of-order events are harmless.
 */
export type EventLook =
  | { readonly kind: "pipeline"; readonly stackName: string; readonly eventId: string; readonly event: PipelineEvent }
  | { readonly kind: "stack"; readonly stackName: string; readonly eventId: string; readonly status: string }
  | { readonly kind: "reconcile"; readonly eventId: string; readonly tick: string }
  | { readonly kind: "ignored"; readonly reason: string };

const envelope = z.object({
  id: z.string().min(1).max(200),
  source: z.string().min(1),
  "detail-type": z.string().min(1),
  time: z.string().optional(),
  resources: z.array(z.string()).optional(),
  detail: z.unknown(),
});

const stackDetail = z.object({
  "stack-id": z.string().min(1),
  "status-details": z
    .object({ status: z.string().min(1) })
    .partial()
    .optional(),
});

/** `arn:aws:cloudformation:REGION:ACCOUNT:stack/NAME/UUID` -> NAME. */
const STACK_ARN = /^arn:[^:]+:cloudformation:[^:]*:[^:]*:stack\/([a-zA-Z][-a-zA-Z0-9]{0,127})\/[^/]+$/;

/** True when a queue message body is an EventBridge event rather than one of branchline's own. */
export function isEventBridgeEvent(body: unknown): boolean {
  return typeof body === "object" && body !== null && "detail-type" in body && "source" in body;
}

export function lookFromEvent(body: unknown): EventLook {
  const parsed = envelope.safeParse(body);
  if (!parsed.success)
    return {
      kind: "ignored",
      reason: `not an EventBridge event: ${parsed.error.issues[0]?.path.join(".") || "body"}: ${parsed.error.issues[0]?.message ?? "invalid"}`,
    };
  const event = parsed.data;
  switch (event.source) {
    case "aws.codepipeline": {
      const pipeline = parsePipelineEvent(event);
      if (!pipeline.ok) return { kind: "ignored", reason: pipeline.error };
      return { kind: "pipeline", stackName: pipeline.event.pipeline, eventId: event.id, event: pipeline.event };
    }
    case "aws.cloudformation": {
      if (event["detail-type"] !== "CloudFormation Stack Status Change")
        return {
          kind: "ignored",
          reason: `a CloudFormation "${event["detail-type"]}" event is not about a stack's status`,
        };
      const detail = stackDetail.safeParse(event.detail);
      if (!detail.success) return { kind: "ignored", reason: "a stack status change without detail.stack-id" };
      const name = STACK_ARN.exec(detail.data["stack-id"])?.[1];
      if (!name) return { kind: "ignored", reason: `not a stack ARN: ${detail.data["stack-id"].slice(0, 200)}` };
      return {
        kind: "stack",
        stackName: name,
        eventId: event.id,
        status: detail.data["status-details"]?.status ?? "UNKNOWN",
      };
    }
    case "aws.events":
    case "aws.scheduler":
      if (event["detail-type"] !== "Scheduled Event")
        return { kind: "ignored", reason: `an ${event.source} "${event["detail-type"]}" event is not a schedule` };
      // The tick (the schedule's time) is the pass's identity: two deliveries of one tick are one pass.
      return { kind: "reconcile", eventId: event.id, tick: event.time ?? event.id };
    default:
      return { kind: "ignored", reason: `events from ${event.source.slice(0, 100)} are not branchline's` };
  }
}
