import { AwsError, validationError } from "../errors.js";
import { ChangeSetStore } from "./changesets.js";
import { buildDeployment, checkStackName, type DeploymentInput } from "./deployment.js";
import { isNoOpUpdate } from "./diff.js";
import { phaseOf, type Stack } from "./model.js";
import { startCreate, startDelete } from "./operations.js";
import { StackRuntime, type CloudFormationDeps } from "./runtime.js";
import type { StackStore } from "./stack-store.js";
import { startContinueRollback, startUpdate } from "./update.js";

/** Stack operations with the checks CloudFormation makes before it starts any work. */

export interface TokenInput {
  readonly clientRequestToken?: string;
}

export function cannotBeUpdated(stack: Stack): AwsError {
  return validationError(`Stack:${stack.stackId} is in ${stack.status} state and can not be updated.`);
}

export function requireUpdatable(stack: Stack): void {
  const phase = phaseOf(stack.status);
  switch (phase) {
    case "updatable":
      return;
    case "busy":
    case "delete-only":
    case "needs-continue-rollback":
    case "review":
      throw cannotBeUpdated(stack);
    case "gone":
      throw validationError(`Stack with id ${stack.stackName} does not exist`);
  }
}

export class Stacks {
  readonly runtime: StackRuntime;
  readonly changeSets = new ChangeSetStore();

  constructor(readonly deps: CloudFormationDeps) {
    this.runtime = new StackRuntime(deps);
  }

  get store(): StackStore {
    return this.deps.store;
  }

  /**
   * ClientRequestToken idempotency: the same token for the same operation on the same stack
   * is answered as success without a second effect. Returns false when already seen.
   */
  claim(stack: Stack, operation: string, token: string | undefined): boolean {
    stack.currentToken = token;
    if (token === undefined) return true;
    const key = `${operation}:${token}`;
    if (stack.tokens.has(key)) return false;
    stack.tokens.add(key);
    return true;
  }

  seen(stack: Stack, operation: string, token: string | undefined): boolean {
    return token !== undefined && stack.tokens.has(`${operation}:${token}`);
  }

  /** A service role CloudFormation cannot assume (the emulator saw it deleted) refuses the operation, as AWS does. */
  requireUsableRole(roleArn: string | undefined): void {
    if (roleArn !== undefined && this.deps.iam.unusable(roleArn))
      throw validationError(`Role ${roleArn} is invalid or cannot be assumed`);
  }

  createStack(
    input: DeploymentInput & TokenInput & { stackName: string; enableTerminationProtection?: boolean },
  ): Stack {
    checkStackName(input.stackName);
    this.requireUsableRole(input.roleArn);
    const existing = this.store.find(input.stackName);
    if (existing && this.seen(existing, "CreateStack", input.clientRequestToken)) return existing;
    if (existing) throw new AwsError("AlreadyExistsException", `Stack [${input.stackName}] already exists`, 400);
    const deployment = buildDeployment(input, this.deps.s3);
    const stack = this.store.create(input.stackName, "CREATE_IN_PROGRESS");
    stack.terminationProtection = input.enableTerminationProtection ?? false;
    this.claim(stack, "CreateStack", input.clientRequestToken);
    startCreate(this.runtime, stack, deployment);
    return stack;
  }

  updateStack(input: DeploymentInput & TokenInput & { stackName: string }): Stack {
    const stack = this.store.require(input.stackName);
    if (this.seen(stack, "UpdateStack", input.clientRequestToken)) return stack;
    requireUpdatable(stack);
    const deployment = buildDeployment(input, this.deps.s3, stack.deployment);
    this.requireUsableRole(deployment.roleArn);
    if (isNoOpUpdate(stack, deployment)) throw validationError("No updates are to be performed.");
    this.claim(stack, "UpdateStack", input.clientRequestToken);
    startUpdate(this.runtime, stack, deployment);
    return stack;
  }

  /** `roleArn` replaces the stack's own role (which sticks) for this and later operations, as in AWS. */
  deleteStack(input: TokenInput & { stackName: string; retainResources?: readonly string[]; roleArn?: string }): void {
    const stack = this.store.find(input.stackName);
    // Deleting a stack that does not exist (any more) succeeds quietly, as in AWS.
    if (!stack || stack.status === "DELETE_COMPLETE") return;
    if (this.seen(stack, "DeleteStack", input.clientRequestToken)) return;
    if (stack.terminationProtection) {
      throw validationError(`Stack [${stack.stackName}] cannot be deleted while TerminationProtection is enabled`);
    }
    if (stack.status === "DELETE_IN_PROGRESS") return;
    if (phaseOf(stack.status) === "busy") {
      throw validationError(`Stack [${stack.stackName}] cannot be deleted while in status ${stack.status}`);
    }
    const retain = input.retainResources ?? [];
    if (retain.length > 0 && stack.status !== "DELETE_FAILED") {
      throw validationError(
        `Invalid operation on stack [${stack.stackId}]. RetainResources can only be specified when the stack is in the DELETE_FAILED state.`,
      );
    }
    // The role CloudFormation deletes with: the one given, else the stack's own (gone with its stack, often).
    this.requireUsableRole(input.roleArn ?? stack.deployment?.roleArn);
    if (input.roleArn !== undefined && stack.deployment)
      stack.deployment = { ...stack.deployment, roleArn: input.roleArn };
    this.claim(stack, "DeleteStack", input.clientRequestToken);
    startDelete(this.runtime, stack, retain, (outcome) => {
      if (outcome === "succeeded")
        for (const changeSet of this.changeSets.forStack(stack.stackId)) this.changeSets.remove(changeSet);
    });
  }

  continueUpdateRollback(input: TokenInput & { stackName: string; resourcesToSkip?: readonly string[] }): void {
    const stack = this.store.require(input.stackName);
    if (this.seen(stack, "ContinueUpdateRollback", input.clientRequestToken)) return;
    if (stack.status !== "UPDATE_ROLLBACK_FAILED") {
      throw validationError(
        `Stack [${stack.stackName}] is in ${stack.status} state and can not continue update rollback. ContinueUpdateRollback cannot be called from current stack status.`,
      );
    }
    this.claim(stack, "ContinueUpdateRollback", input.clientRequestToken);
    startContinueRollback(this.runtime, stack, input.resourcesToSkip ?? []);
  }

  updateTerminationProtection(stackName: string, enable: boolean): Stack {
    const stack = this.store.require(stackName);
    if (stack.status === "DELETE_COMPLETE") throw validationError(`Stack with id ${stackName} does not exist`);
    stack.terminationProtection = enable;
    return stack;
  }

  /** By name, the stack must be live; by id, a deleted stack still answers. */
  describe(nameOrId: string): Stack {
    const stack = this.store.require(nameOrId);
    if (!nameOrId.startsWith("arn:") && stack.status === "DELETE_COMPLETE") {
      throw validationError(`Stack with id ${nameOrId} does not exist`);
    }
    return stack;
  }
}
