import {
  ContinueUpdateRollbackCommand,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  paginateListStackResources,
  UpdateTerminationProtectionCommand,
  waitForChangeSetCreateComplete,
  waitForStackCreateComplete,
  waitForStackDeleteComplete,
  waitForStackRollbackComplete,
  waitForStackUpdateComplete,
  type CloudFormationClient,
  type Stack,
  type CreateChangeSetCommandInput,
} from "@aws-sdk/client-cloudformation";
import { createChangeSet, deleteChangeSet, isEmptyUpdate, readChangeSet } from "./change-sets.js";
import type { StackName } from "../core/naming.js";
import type { StackInputs } from "../core/stack-inputs.js";
import { awsTags, tagsFromAws } from "../core/tags.js";
import type { ResourceChange, StackEventSummary, StackSnapshot } from "../core/stack-snapshot.js";

/** How long to wait for a stack operation, and how often to look. */
export interface WaitBounds {
  readonly maxWaitSeconds: number;
  readonly minDelaySeconds: number;
  readonly maxDelaySeconds: number;
}

/** A stack operation that ended anywhere but where it was meant to, with the events that say why. */
export class StackOperationFailed extends Error {
  constructor(
    message: string,
    readonly stackName: string,
    readonly finalStatus: string | undefined,
    readonly events: readonly StackEventSummary[],
  ) {
    super(message);
    this.name = "StackOperationFailed";
  }
}

/** CloudFormation refused the template or its parameters outright: the commit's problem, not AWS's. */
export class TemplateRejected extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TemplateRejected";
  }
}

export async function describeStack(cfn: CloudFormationClient, name: StackName): Promise<StackSnapshot | null> {
  try {
    const result = await cfn.send(new DescribeStacksCommand({ StackName: name }));
    const stack = result.Stacks?.[0];
    return stack ? snapshot(stack) : null;
  } catch (error) {
    // CloudFormation answers a missing stack with a ValidationError and no other code.
    if (isValidationError(error) && /does not exist/.test(error.message)) return null;
    throw error;
  }
}

export function snapshot(stack: Stack): StackSnapshot {
  return {
    name: stack.StackName ?? "",
    status: stack.StackStatus ?? "",
    statusReason: stack.StackStatusReason,
    tags: tagsFromAws(stack.Tags),
    outputs: Object.fromEntries((stack.Outputs ?? []).map((o) => [o.OutputKey ?? "", o.OutputValue ?? ""])),
    parameters: Object.fromEntries((stack.Parameters ?? []).map((p) => [p.ParameterKey ?? "", p.ParameterValue ?? ""])),
    terminationProtection: stack.EnableTerminationProtection ?? false,
    ...(stack.CreationTime ? { createdAt: stack.CreationTime } : {}),
    updatedAt: (stack.LastUpdatedTime ?? stack.CreationTime)?.toISOString(),
  };
}

export interface ChangeSetRequest {
  readonly stackName: StackName;
  readonly type: "CREATE" | "UPDATE";
  readonly inputs: StackInputs;
  /** Set when the template is too large to send inline and was put in S3. */
  readonly templateUrl?: string;
  /** Derived from the delivery: a retried request repeats nothing. */
  readonly token: string;
}

export type ChangeSetOutcome =
  { readonly kind: "applied"; readonly changes: readonly ResourceChange[] } | { readonly kind: "no-changes" };

/**
 * Creates a change set, executes it and waits for the stack to settle. An empty change set is
 * recognised by its status (FAILED, execution UNAVAILABLE, no changes), deleted, and reported as such.
 */
export async function applyChangeSet(
  cfn: CloudFormationClient,
  request: ChangeSetRequest,
  bounds: WaitBounds,
): Promise<ChangeSetOutcome> {
  const { stackName, inputs, token } = request;
  const changeSetName = `branchline-${token}`.slice(0, 128);
  await sendRejectingTemplates(cfn, {
    StackName: stackName,
    ChangeSetName: changeSetName,
    ChangeSetType: request.type,
    ...(request.templateUrl ? { TemplateURL: request.templateUrl } : { TemplateBody: inputs.templateBody }),
    Parameters: Object.entries(inputs.parameters).map(([ParameterKey, ParameterValue]) => ({
      ParameterKey,
      ParameterValue,
    })),
    Tags: awsTags(inputs.tags),
    RoleARN: inputs.roleArn,
    ClientToken: token,
  });
  await waitForChangeSetCreateComplete(waiter(cfn, bounds), { StackName: stackName, ChangeSetName: changeSetName });
  const described = await readChangeSet(cfn, stackName, changeSetName);
  const { changes } = described;
  if (described.status === "FAILED") {
    await deleteChangeSet(cfn, stackName, changeSetName);
    if (request.type === "UPDATE" && isEmptyUpdate(described)) return { kind: "no-changes" };
    throw new StackOperationFailed(
      `CloudFormation rejected the change set for ${stackName}: ${described.reason ?? "no reason given"}`,
      stackName,
      undefined,
      [],
    );
  }
  if (described.status !== "CREATE_COMPLETE") {
    throw new StackOperationFailed(
      `the change set for ${stackName} did not settle within ${bounds.maxWaitSeconds} s (it is ${described.status})`,
      stackName,
      undefined,
      [],
    );
  }
  await cfn.send(
    new ExecuteChangeSetCommand({ StackName: stackName, ChangeSetName: changeSetName, ClientRequestToken: token }),
  );
  const wait = request.type === "CREATE" ? waitForStackCreateComplete : waitForStackUpdateComplete;
  const result = await wait(waiter(cfn, bounds), { StackName: stackName });
  await expectSettled(cfn, stackName, token, result, request.type === "CREATE" ? "create" : "update", bounds);
  return { kind: "applied", changes };
}

export async function deleteStack(
  cfn: CloudFormationClient,
  stackName: StackName,
  token: string,
  bounds: WaitBounds,
): Promise<void> {
  await cfn.send(new DeleteStackCommand({ StackName: stackName, ClientRequestToken: token }));
  const result = await waitForStackDeleteComplete(waiter(cfn, bounds), { StackName: stackName });
  await expectSettled(cfn, stackName, token, result, "delete", bounds);
}

export async function continueRollback(
  cfn: CloudFormationClient,
  stackName: StackName,
  token: string,
  bounds: WaitBounds,
): Promise<void> {
  await cfn.send(new ContinueUpdateRollbackCommand({ StackName: stackName, ClientRequestToken: token }));
  const result = await waitForStackRollbackComplete(waiter(cfn, bounds), { StackName: stackName });
  await expectSettled(cfn, stackName, token, result, "rollback", bounds);
}

/** Shared environments get termination protection: only a person, deliberately, removes them. */
export async function protectStack(cfn: CloudFormationClient, stackName: StackName): Promise<void> {
  await cfn.send(new UpdateTerminationProtectionCommand({ StackName: stackName, EnableTerminationProtection: true }));
}

/** The physical names of the S3 buckets a stack holds, so they can be emptied before a delete. */
export async function stackBuckets(cfn: CloudFormationClient, stackName: StackName): Promise<string[]> {
  const buckets: string[] = [];
  for await (const page of paginateListStackResources({ client: cfn }, { StackName: stackName })) {
    for (const resource of page.StackResourceSummaries ?? []) {
      if (
        resource.ResourceType === "AWS::S3::Bucket" &&
        resource.PhysicalResourceId &&
        resource.ResourceStatus !== "DELETE_COMPLETE"
      ) {
        buckets.push(resource.PhysicalResourceId);
      }
    }
  }
  return buckets;
}

/** The failure events of one operation (found by its token), oldest first: what a person needs to read. */
export async function failureEvents(
  cfn: CloudFormationClient,
  stackName: string,
  token: string,
): Promise<StackEventSummary[]> {
  const found: StackEventSummary[] = [];
  let nextToken: string | undefined;
  // Events come newest first; the operation's own events are near the top, so a few pages suffice.
  for (let page = 0; page < 5; page++) {
    const result = await cfn.send(new DescribeStackEventsCommand({ StackName: stackName, NextToken: nextToken }));
    for (const event of result.StackEvents ?? []) {
      if (event.ClientRequestToken !== token) continue;
      const status = event.ResourceStatus ?? "";
      if (status.endsWith("_FAILED") && event.ResourceStatusReason) {
        found.push({
          timestamp: event.Timestamp,
          logicalId: event.LogicalResourceId ?? "",
          resourceType: event.ResourceType ?? "",
          status,
          reason: event.ResourceStatusReason,
        });
      }
    }
    nextToken = result.NextToken;
    if (!nextToken) break;
  }
  return found.reverse();
}

async function expectSettled(
  cfn: CloudFormationClient,
  stackName: StackName,
  token: string,
  result: { readonly state: string },
  operation: "create" | "update" | "delete" | "rollback",
  bounds: WaitBounds,
): Promise<void> {
  if (result.state === "SUCCESS") return;
  const after = await describeStack(cfn, stackName).catch(() => null);
  if (operation === "delete" && after === null) return;
  const events = await failureEvents(cfn, stackName, token).catch(() => []);
  const status = after?.status;
  const message =
    result.state === "TIMEOUT"
      ? `the ${operation} of ${stackName} did not finish within ${bounds.maxWaitSeconds} s; it is ${status ?? "unknown"}`
      : `the ${operation} of ${stackName} failed; the stack is ${status ?? "gone"}`;
  throw new StackOperationFailed(message, stackName, status, events);
}

/** A ValidationError from CreateChangeSet is about the template or parameters; anything else is AWS's. */
async function sendRejectingTemplates(cfn: CloudFormationClient, input: CreateChangeSetCommandInput): Promise<void> {
  try {
    await createChangeSet(cfn, input);
  } catch (error) {
    if (isValidationError(error)) throw new TemplateRejected(error.message);
    throw error;
  }
}

export function waiter(cfn: CloudFormationClient, bounds: WaitBounds) {
  return {
    client: cfn,
    maxWaitTime: bounds.maxWaitSeconds,
    minDelay: bounds.minDelaySeconds,
    maxDelay: bounds.maxDelaySeconds,
  };
}

function isValidationError(error: unknown): error is Error {
  return error instanceof Error && error.name === "ValidationError";
}
