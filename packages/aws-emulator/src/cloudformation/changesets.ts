import type { ResourceChange } from "./diff.js";
import type { Deployment } from "./model.js";

export type ChangeSetStatus =
  | "CREATE_PENDING"
  | "CREATE_IN_PROGRESS"
  | "CREATE_COMPLETE"
  | "DELETE_PENDING"
  | "DELETE_IN_PROGRESS"
  | "DELETE_COMPLETE"
  | "DELETE_FAILED"
  | "FAILED";

export type ChangeSetExecutionStatus =
  "UNAVAILABLE" | "AVAILABLE" | "EXECUTE_IN_PROGRESS" | "EXECUTE_COMPLETE" | "EXECUTE_FAILED" | "OBSOLETE";

export type ChangeSetType = "CREATE" | "UPDATE";

export interface ChangeSet {
  readonly id: string;
  readonly name: string;
  readonly stackId: string;
  readonly stackName: string;
  readonly type: ChangeSetType;
  readonly creationTime: Date;
  readonly description: string | undefined;
  readonly deployment: Deployment;
  readonly clientToken: string | undefined;
  status: ChangeSetStatus;
  executionStatus: ChangeSetExecutionStatus;
  statusReason: string | undefined;
  changes: ResourceChange[];
  /** Still listed for its stack; executed and deleted ones are not. */
  listed: boolean;
}

export const EMPTY_CHANGE_SET_REASON =
  "The submitted information didn't contain changes. Submit different information to create a change set.";

export class ChangeSetStore {
  private readonly byId = new Map<string, ChangeSet>();

  add(changeSet: ChangeSet): void {
    this.byId.set(changeSet.id, changeSet);
  }

  /** By ARN, or by name within a stack (name or id). */
  find(nameOrId: string, stack?: { stackId: string }): ChangeSet | undefined {
    if (nameOrId.startsWith("arn:")) {
      const found = this.byId.get(nameOrId);
      return found?.listed || found?.executionStatus.startsWith("EXECUTE") ? found : undefined;
    }
    if (!stack) return undefined;
    return [...this.byId.values()].find((c) => c.listed && c.stackId === stack.stackId && c.name === nameOrId);
  }

  byToken(stackId: string, clientToken: string): ChangeSet | undefined {
    return [...this.byId.values()].find((c) => c.stackId === stackId && c.clientToken === clientToken && c.listed);
  }

  forStack(stackId: string): ChangeSet[] {
    return [...this.byId.values()].filter((c) => c.listed && c.stackId === stackId);
  }

  all(): ChangeSet[] {
    return [...this.byId.values()];
  }

  remove(changeSet: ChangeSet): void {
    changeSet.listed = false;
    if (!changeSet.executionStatus.startsWith("EXECUTE")) this.byId.delete(changeSet.id);
  }
}
