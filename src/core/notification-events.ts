/**
 * The events a notification sink can subscribe to: the config names them (`notifications.sinks[].events`)
 * and the notifier sends them, so the list lives below both.
 */
export const NOTIFICATION_EVENTS = [
  "run.started",
  "run.succeeded",
  "run.failed",
  "approval.needed",
  "rollback.started",
] as const;
export type NotificationEventName = (typeof NOTIFICATION_EVENTS)[number];
