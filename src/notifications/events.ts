import type { NotificationEventName } from "../core/notification-events.js";
import type { EnvironmentKind } from "../core/environment.js";

/**
 * What branchline tells notification sinks. The generic webhook receives `webhookBody(event)` as JSON
 * (docs/notifications.md documents it field by field); Slack receives `slackBody(event)`.
 */
export interface NotificationEvent {
  readonly event: NotificationEventName;
  /** ISO 8601, when branchline saw it happen. */
  readonly occurredAt: string;
  /** `owner/name` */
  readonly repository: string;
  readonly environment: { readonly kind: EnvironmentKind; readonly name: string };
  /** The commit the run is for (for a rollback: the commit being redeployed). */
  readonly commit: string;
  readonly run?: {
    readonly pipeline: string;
    readonly executionId: string;
    /** CodePipeline's word: InProgress, Succeeded, Failed... */
    readonly status: string;
    readonly summary?: string | undefined;
    /** The execution in the CodePipeline console. */
    readonly url: string;
  };
  readonly approval?: { readonly stage: string; readonly action: string; readonly approvers: string };
  /** Present on every event of a rollback run, and on the failure that caused one. */
  readonly rollback?: { readonly fromCommit: string; readonly toCommit: string };
  /** One sentence for people. */
  readonly message: string;
}

/** Version of the webhook body's shape; bumped only by an incompatible change. */
export const WEBHOOK_BODY_VERSION = 1;

export function webhookBody(event: NotificationEvent, deliveryId: string): Record<string, unknown> {
  return { version: WEBHOOK_BODY_VERSION, id: deliveryId, ...event };
}

const EMOJI: Record<NotificationEventName, string> = {
  "run.started": ":arrow_forward:",
  "run.succeeded": ":white_check_mark:",
  "run.failed": ":x:",
  "approval.needed": ":raised_hand:",
  "rollback.started": ":leftwards_arrow_with_hook:",
};

/** A Slack incoming-webhook message: `text` for notifications and old clients, `blocks` for the rest. */
export function slackBody(event: NotificationEvent): { text: string; blocks: unknown[] } {
  const text = `${EMOJI[event.event]} ${event.repository} · ${event.environment.name}: ${event.message}`;
  const details = [`*Commit* \`${event.commit.slice(0, 12)}\``];
  if (event.run) details.push(`*Run* <${event.run.url}|${event.run.executionId}> (${event.run.status})`);
  if (event.approval)
    details.push(`*Approval* ${event.approval.stage} / ${event.approval.action}: ${event.approval.approvers}`);
  if (event.rollback)
    details.push(
      `*Rollback* \`${event.rollback.fromCommit.slice(0, 12)}\` → \`${event.rollback.toCommit.slice(0, 12)}\``,
    );
  return {
    text,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text } },
      { type: "context", elements: [{ type: "mrkdwn", text: details.join(" · ") }] },
    ],
  };
}
