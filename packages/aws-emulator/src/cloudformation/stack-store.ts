import { validationError } from "../errors.js";
import { uuid } from "../ids.js";
import type { ResourceState, Stack, StackEvent, StackStatus } from "./model.js";

/**
 * Stacks by id and by name. A deleted stack keeps its id (DescribeStacks by ARN still answers
 * DELETE_COMPLETE) but frees its name, as in AWS.
 */
export class StackStore {
  private readonly byId = new Map<string, Stack>();
  private readonly activeByName = new Map<string, string>();
  private sequence = 0;

  constructor(
    private readonly region: string,
    private readonly accountId: string,
    private readonly now: () => Date,
  ) {}

  create(stackName: string, status: StackStatus): Stack {
    const stack: Stack = {
      stackId: `arn:aws:cloudformation:${this.region}:${this.accountId}:stack/${stackName}/${uuid()}`,
      stackName,
      creationTime: this.now(),
      sequence: this.sequence++,
      status,
      statusReason: undefined,
      lastUpdatedTime: undefined,
      deletionTime: undefined,
      deployment: undefined,
      resources: new Map(),
      outputs: [],
      terminationProtection: false,
      changeSetId: undefined,
      events: [],
      tokens: new Set(),
      currentToken: undefined,
      pendingRollback: undefined,
    };
    this.byId.set(stack.stackId, stack);
    this.activeByName.set(stackName, stack.stackId);
    return stack;
  }

  /** By name (active stacks only) or by stack id (deleted ones too). */
  find(nameOrId: string): Stack | undefined {
    if (nameOrId.startsWith("arn:")) return this.byId.get(nameOrId);
    const id = this.activeByName.get(nameOrId);
    return id === undefined ? undefined : this.byId.get(id);
  }

  require(nameOrId: string): Stack {
    const stack = this.find(nameOrId);
    if (!stack) throw validationError(`Stack with id ${nameOrId} does not exist`);
    return stack;
  }

  /** Stacks not yet deleted, oldest first (the order DescribeStacks pages through). */
  active(): Stack[] {
    return [...this.byId.values()]
      .filter((s) => s.status !== "DELETE_COMPLETE")
      .sort((a, b) => a.sequence - b.sequence);
  }

  all(): Stack[] {
    return [...this.byId.values()].sort((a, b) => a.sequence - b.sequence);
  }

  markDeleted(stack: Stack): void {
    if (this.activeByName.get(stack.stackName) === stack.stackId) this.activeByName.delete(stack.stackName);
  }

  /** Exports of all active stacks, for Fn::ImportValue. */
  exportValue(name: string): string | undefined {
    for (const stack of this.active()) {
      const found = stack.outputs.find((o) => o.exportName === name);
      if (found) return found.value;
    }
    return undefined;
  }

  /** Sets the stack's status and records the event CloudFormation would. */
  setStatus(stack: Stack, status: StackStatus, reason?: string): void {
    stack.status = status;
    stack.statusReason = reason;
    this.appendEvent(stack, {
      logicalId: stack.stackName,
      physicalId: stack.stackId,
      resourceType: "AWS::CloudFormation::Stack",
      status,
      reason,
    });
  }

  resourceEvent(stack: Stack, resource: ResourceState, reason?: string): void {
    this.appendEvent(stack, {
      logicalId: resource.logicalId,
      physicalId: resource.physicalId,
      resourceType: resource.type,
      status: resource.status,
      reason,
      properties: JSON.stringify(resource.properties),
    });
  }

  private appendEvent(
    stack: Stack,
    fields: Pick<StackEvent, "logicalId" | "physicalId" | "resourceType" | "status" | "reason"> & {
      properties?: string;
    },
  ): void {
    stack.events.push({
      eventId: uuid(),
      stackId: stack.stackId,
      stackName: stack.stackName,
      timestamp: this.now(),
      clientRequestToken: stack.currentToken,
      properties: undefined,
      ...fields,
    });
  }
}
