/**
 * CloudFormation stack statuses, sorted by what branchline may do next. Treating every `*_COMPLETE`
 * as healthy is the classic bug: ROLLBACK_COMPLETE is a failed create that only allows delete.
 */
export type StackCondition =
  /** No stack of that name (or only a deleted one). */
  | "absent"
  /** Updatable: a change set may be executed. */
  | "ready"
  /** An operation is running; nothing may be applied until it settles. */
  | "busy"
  /** The stack never came into being properly; the only way on is delete, then create. */
  | "failed-create"
  /** An update's rollback failed; ContinueUpdateRollback brings it back to ready. */
  | "rollback-failed"
  /** A delete failed (often a bucket that is not empty); delete again after emptying. */
  | "delete-failed";

const READY = new Set([
  "CREATE_COMPLETE",
  "UPDATE_COMPLETE",
  "UPDATE_ROLLBACK_COMPLETE",
  "IMPORT_COMPLETE",
  "IMPORT_ROLLBACK_COMPLETE",
  // An update run with rollback disabled; AWS allows another update from here.
  "UPDATE_FAILED",
]);

const FAILED_CREATE = new Set([
  "ROLLBACK_COMPLETE",
  "ROLLBACK_FAILED",
  "CREATE_FAILED",
  // A CREATE change set never executed: counts against quota, holds no resources.
  "REVIEW_IN_PROGRESS",
  "IMPORT_ROLLBACK_FAILED",
]);

export function stackCondition(status: string | undefined): StackCondition {
  if (status === undefined || status === "DELETE_COMPLETE") return "absent";
  if (READY.has(status)) return "ready";
  if (FAILED_CREATE.has(status)) return "failed-create";
  if (status === "UPDATE_ROLLBACK_FAILED") return "rollback-failed";
  if (status === "DELETE_FAILED") return "delete-failed";
  if (status.endsWith("_IN_PROGRESS")) return "busy";
  // A status AWS adds later is treated as busy: waiting is safe, acting on it is not.
  return "busy";
}
