import { AwsError, validationError } from "../errors.js";
import { uuid } from "../ids.js";
import { EMPTY_CHANGE_SET_REASON, type ChangeSet, type ChangeSetType } from "./changesets.js";
import { buildDeployment, checkStackName, type DeploymentInput } from "./deployment.js";
import { planChanges } from "./diff.js";
import type { Deployment, Stack } from "./model.js";
import { startCreate } from "./operations.js";
import { cannotBeUpdated, requireUpdatable, type Stacks, type TokenInput } from "./stacks.js";
import { startUpdate } from "./update.js";

/** CreateChangeSet, ExecuteChangeSet, DeleteChangeSet and lookups, over the stack operations. */

export interface CreateChangeSetInput extends DeploymentInput {
  readonly stackName: string;
  readonly changeSetName: string;
  readonly changeSetType?: ChangeSetType;
  readonly clientToken?: string;
  readonly description?: string;
}

function notFound(name: string): AwsError {
  return new AwsError("ChangeSetNotFound", `ChangeSet [${name}] does not exist`, 404);
}

export class ChangeSets {
  constructor(private readonly stacks: Stacks) {}

  private get deps() {
    return this.stacks.deps;
  }

  create(input: CreateChangeSetInput): ChangeSet {
    checkStackName(input.stackName);
    const type = input.changeSetType ?? "UPDATE";
    const existing = this.stacks.store.find(input.stackName);
    if (existing && input.clientToken) {
      const again = this.stacks.changeSets.byToken(existing.stackId, input.clientToken);
      if (again) return again;
    }
    let stack: Stack;
    let deployment: Deployment;
    switch (type) {
      case "CREATE": {
        if (existing && existing.status !== "REVIEW_IN_PROGRESS") {
          throw validationError(
            `Stack [${input.stackName}] already exists and cannot be created again with the changeSet [${input.changeSetName}].`,
          );
        }
        deployment = buildDeployment(input, this.deps.s3);
        stack = existing ?? this.stacks.store.create(input.stackName, "REVIEW_IN_PROGRESS");
        if (!existing) {
          stack.currentToken = undefined;
          this.stacks.store.setStatus(stack, "REVIEW_IN_PROGRESS", "User Initiated");
        }
        break;
      }
      case "UPDATE": {
        if (!existing) throw validationError(`Stack [${input.stackName}] does not exist`);
        stack = existing;
        requireUpdatable(stack);
        deployment = buildDeployment(input, this.deps.s3, stack.deployment);
        break;
      }
    }
    if (this.stacks.changeSets.forStack(stack.stackId).some((c) => c.name === input.changeSetName)) {
      throw new AwsError("AlreadyExistsException", `ChangeSet [${input.changeSetName}] already exists`, 400);
    }
    const changeSet: ChangeSet = {
      id: `arn:aws:cloudformation:${this.deps.region}:${this.deps.accountId}:changeSet/${input.changeSetName}/${uuid()}`,
      name: input.changeSetName,
      stackId: stack.stackId,
      stackName: stack.stackName,
      type,
      creationTime: this.deps.scheduler.now(),
      description: input.description,
      deployment,
      clientToken: input.clientToken,
      status: "CREATE_PENDING",
      executionStatus: "UNAVAILABLE",
      statusReason: undefined,
      changes: [],
      listed: true,
    };
    this.stacks.changeSets.add(changeSet);
    this.stacks.runtime.spawn(async () => {
      await this.deps.scheduler.sleep(this.deps.timing.changeSetMs / 2);
      changeSet.status = "CREATE_IN_PROGRESS";
      await this.deps.scheduler.sleep(this.deps.timing.changeSetMs / 2);
      if (!changeSet.listed) return;
      try {
        changeSet.changes = planChanges(this.stacks.runtime.env, stack, changeSet.deployment);
      } catch (error) {
        changeSet.status = "FAILED";
        changeSet.statusReason = error instanceof Error ? error.message : String(error);
        return;
      }
      if (type === "UPDATE" && changeSet.changes.length === 0) {
        changeSet.status = "FAILED";
        changeSet.statusReason = EMPTY_CHANGE_SET_REASON;
        return;
      }
      changeSet.status = "CREATE_COMPLETE";
      changeSet.executionStatus = "AVAILABLE";
    });
    return changeSet;
  }

  find(changeSetName: string, stackName: string | undefined): ChangeSet {
    const stack = stackName === undefined ? undefined : this.stacks.store.find(stackName);
    if (stackName !== undefined && !stack && !changeSetName.startsWith("arn:")) {
      throw notFound(changeSetName);
    }
    const changeSet = this.stacks.changeSets.find(changeSetName, stack);
    if (!changeSet) throw notFound(changeSetName);
    return changeSet;
  }

  list(stackName: string): ChangeSet[] {
    const stack = this.stacks.store.require(stackName);
    return this.stacks.changeSets.forStack(stack.stackId);
  }

  execute(input: TokenInput & { changeSetName: string; stackName?: string }): void {
    // A retry of an execution that already removed its change set is still the same request.
    const named = input.stackName === undefined ? undefined : this.stacks.store.find(input.stackName);
    if (named && this.stacks.seen(named, "ExecuteChangeSet", input.clientRequestToken)) return;
    const changeSet = this.find(input.changeSetName, input.stackName);
    const stack = this.stacks.store.require(changeSet.stackId);
    if (this.stacks.seen(stack, "ExecuteChangeSet", input.clientRequestToken)) return;
    if (changeSet.status !== "CREATE_COMPLETE" || changeSet.executionStatus !== "AVAILABLE") {
      throw new AwsError(
        "InvalidChangeSetStatus",
        `ChangeSet [${changeSet.id}] cannot be executed in its current status of [${changeSet.status}]`,
        400,
      );
    }
    switch (changeSet.type) {
      case "CREATE":
        if (stack.status !== "REVIEW_IN_PROGRESS") throw cannotBeUpdated(stack);
        break;
      case "UPDATE":
        requireUpdatable(stack);
        break;
    }
    this.stacks.claim(stack, "ExecuteChangeSet", input.clientRequestToken);
    changeSet.executionStatus = "EXECUTE_IN_PROGRESS";
    stack.changeSetId = changeSet.id;
    // Executing one change set removes every change set of the stack, as CloudFormation does.
    for (const other of this.stacks.changeSets.forStack(stack.stackId)) this.stacks.changeSets.remove(other);
    const done = (outcome: "succeeded" | "failed") => {
      changeSet.executionStatus = outcome === "succeeded" ? "EXECUTE_COMPLETE" : "EXECUTE_FAILED";
    };
    if (changeSet.type === "CREATE") startCreate(this.stacks.runtime, stack, changeSet.deployment, done);
    else startUpdate(this.stacks.runtime, stack, changeSet.deployment, done);
  }

  delete(changeSetName: string, stackName: string | undefined): void {
    const changeSet = this.find(changeSetName, stackName);
    if (changeSet.executionStatus === "EXECUTE_IN_PROGRESS") {
      throw new AwsError(
        "InvalidChangeSetStatus",
        `Cannot delete ChangeSet in status ${changeSet.executionStatus}`,
        400,
      );
    }
    this.stacks.changeSets.remove(changeSet);
  }
}
