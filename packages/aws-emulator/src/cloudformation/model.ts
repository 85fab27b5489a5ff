import type { CfnTemplate } from "@branchline/cloudformation-template";
import type { ResolvedParameter } from "./parameters.js";

/** CloudFormation's stack and resource states, as the API names them. */
export type StackStatus =
  | "REVIEW_IN_PROGRESS"
  | "CREATE_IN_PROGRESS"
  | "CREATE_FAILED"
  | "CREATE_COMPLETE"
  | "ROLLBACK_IN_PROGRESS"
  | "ROLLBACK_FAILED"
  | "ROLLBACK_COMPLETE"
  | "UPDATE_IN_PROGRESS"
  | "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"
  | "UPDATE_COMPLETE"
  | "UPDATE_FAILED"
  | "UPDATE_ROLLBACK_IN_PROGRESS"
  | "UPDATE_ROLLBACK_FAILED"
  | "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS"
  | "UPDATE_ROLLBACK_COMPLETE"
  | "DELETE_IN_PROGRESS"
  | "DELETE_FAILED"
  | "DELETE_COMPLETE";

export type ResourceStatus =
  | "CREATE_IN_PROGRESS"
  | "CREATE_FAILED"
  | "CREATE_COMPLETE"
  | "UPDATE_IN_PROGRESS"
  | "UPDATE_FAILED"
  | "UPDATE_COMPLETE"
  | "DELETE_IN_PROGRESS"
  | "DELETE_FAILED"
  | "DELETE_COMPLETE"
  | "DELETE_SKIPPED";

/** What the stack may do next, by state; the classic bug is treating every *_COMPLETE as healthy. */
export type StackPhase = "busy" | "updatable" | "delete-only" | "needs-continue-rollback" | "review" | "gone";

export function phaseOf(status: StackStatus): StackPhase {
  switch (status) {
    case "CREATE_IN_PROGRESS":
    case "ROLLBACK_IN_PROGRESS":
    case "UPDATE_IN_PROGRESS":
    case "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS":
    case "UPDATE_ROLLBACK_IN_PROGRESS":
    case "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS":
    case "DELETE_IN_PROGRESS":
      return "busy";
    case "CREATE_COMPLETE":
    case "UPDATE_COMPLETE":
    case "UPDATE_ROLLBACK_COMPLETE":
      return "updatable";
    case "CREATE_FAILED":
    case "ROLLBACK_FAILED":
    case "ROLLBACK_COMPLETE":
    case "DELETE_FAILED":
    case "UPDATE_FAILED":
      return "delete-only";
    case "UPDATE_ROLLBACK_FAILED":
      return "needs-continue-rollback";
    case "REVIEW_IN_PROGRESS":
      return "review";
    case "DELETE_COMPLETE":
      return "gone";
  }
}

export interface Tag {
  readonly key: string;
  readonly value: string;
}

export interface Output {
  readonly key: string;
  readonly value: string;
  readonly description?: string;
  readonly exportName?: string;
}

/** Everything a create or update asks for; a stack keeps the one in force. */
export interface Deployment {
  readonly template: CfnTemplate;
  readonly body: string;
  readonly parameters: readonly ResolvedParameter[];
  readonly tags: readonly Tag[];
  readonly roleArn: string | undefined;
  readonly capabilities: readonly string[];
  readonly notificationArns: readonly string[];
  readonly disableRollback: boolean;
}

export interface ResourceState {
  readonly logicalId: string;
  readonly type: string;
  physicalId: string | undefined;
  status: ResourceStatus;
  statusReason: string | undefined;
  updatedAt: Date;
  /** Properties as last applied, with intrinsics resolved. */
  properties: Record<string, unknown>;
  attributes: Record<string, string>;
  deletionPolicy: string | undefined;
}

export interface StackEvent {
  readonly eventId: string;
  readonly stackId: string;
  readonly stackName: string;
  readonly logicalId: string;
  readonly physicalId: string | undefined;
  readonly resourceType: string;
  readonly timestamp: Date;
  readonly status: StackStatus | ResourceStatus;
  readonly reason: string | undefined;
  readonly properties: string | undefined;
  readonly clientRequestToken: string | undefined;
}

/** One step of putting an update back; kept on the stack when UPDATE_ROLLBACK_FAILED interrupts it. */
export type RestoreStep =
  | { readonly kind: "remove-added"; readonly logicalId: string }
  | {
      readonly kind: "revert";
      readonly logicalId: string;
      readonly before: ResourceState;
      readonly replacedPhysicalId: string | undefined;
    };

export interface Stack {
  readonly stackId: string;
  readonly stackName: string;
  readonly creationTime: Date;
  readonly sequence: number;
  status: StackStatus;
  statusReason: string | undefined;
  lastUpdatedTime: Date | undefined;
  deletionTime: Date | undefined;
  /** The deployment in force; undefined while REVIEW_IN_PROGRESS. */
  deployment: Deployment | undefined;
  resources: Map<string, ResourceState>;
  outputs: Output[];
  terminationProtection: boolean;
  changeSetId: string | undefined;
  /** Events oldest first; DescribeStackEvents serves them newest first. */
  readonly events: StackEvent[];
  /** `Operation:token` pairs already acted on, for ClientRequestToken idempotency. */
  readonly tokens: Set<string>;
  /** The token of the operation running now, echoed on its events. */
  currentToken: string | undefined;
  /** What ContinueUpdateRollback still has to put back. */
  pendingRollback: RestoreStep[] | undefined;
}
