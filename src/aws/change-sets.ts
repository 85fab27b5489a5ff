import {
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DescribeChangeSetCommand,
  type Capability,
  type CloudFormationClient,
  type CreateChangeSetCommandInput,
} from "@aws-sdk/client-cloudformation";
import type { ResourceChange } from "../core/stack-snapshot.js";

/**
 * CloudFormation change sets, the one way branchline changes or previews a stack: the app's
 * converge step executes them (stacks.ts), the pull-request preview and `branchline plan` read and
 * delete them. One reading of a change set, paged, so no caller sees only its first page.
 */

/** IAM resources, named ones, and macros (SAM): pipeline templates make roles. */
export const CHANGE_SET_CAPABILITIES: Capability[] = [
  "CAPABILITY_IAM",
  "CAPABILITY_NAMED_IAM",
  "CAPABILITY_AUTO_EXPAND",
];

export interface ChangeSetReading {
  readonly status: string | undefined;
  readonly executionStatus: string | undefined;
  readonly reason: string | undefined;
  /** Every change, over every page DescribeChangeSet gave. */
  readonly changes: readonly ResourceChange[];
}

export async function createChangeSet(cfn: CloudFormationClient, input: CreateChangeSetCommandInput): Promise<void> {
  await cfn.send(new CreateChangeSetCommand({ Capabilities: CHANGE_SET_CAPABILITIES, ...input }));
}

/** A change set as CloudFormation describes it, page by page. */
export async function readChangeSet(
  cfn: CloudFormationClient,
  stackName: string,
  changeSetName: string,
): Promise<ChangeSetReading> {
  const changes: ResourceChange[] = [];
  let status: string | undefined;
  let executionStatus: string | undefined;
  let reason: string | undefined;
  let nextToken: string | undefined;
  do {
    const page = await cfn.send(
      new DescribeChangeSetCommand({ StackName: stackName, ChangeSetName: changeSetName, NextToken: nextToken }),
    );
    ({ Status: status, ExecutionStatus: executionStatus, StatusReason: reason } = page);
    for (const c of page.Changes ?? []) {
      if (!c.ResourceChange) continue;
      changes.push({
        action: (c.ResourceChange.Action ?? "Modify") as ResourceChange["action"],
        logicalId: c.ResourceChange.LogicalResourceId ?? "",
        resourceType: c.ResourceChange.ResourceType ?? "",
        replacement: c.ResourceChange.Replacement as ResourceChange["replacement"],
      });
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return { status, executionStatus, reason, changes };
}

/**
 * An update that changes nothing: CloudFormation fails the change set (execution UNAVAILABLE, no
 * changes) rather than making an empty one. Only an UPDATE can be empty.
 */
export function isEmptyUpdate(reading: ChangeSetReading): boolean {
  return reading.status === "FAILED" && reading.executionStatus === "UNAVAILABLE" && reading.changes.length === 0;
}

/** Deletes a change set; one already gone (its stack updated since, or deleted) is not an error. */
export async function deleteChangeSet(
  cfn: CloudFormationClient,
  stackName: string,
  changeSetName: string,
): Promise<void> {
  await cfn
    .send(new DeleteChangeSetCommand({ StackName: stackName, ChangeSetName: changeSetName }))
    .catch((error: unknown) => {
      if (!isChangeSetGone(error)) throw error;
    });
}

/** CloudFormation's answer for a change set that is not (or no longer) there. */
export function isChangeSetGone(error: unknown): boolean {
  const name = (error as { name?: string } | null)?.name;
  return name === "ChangeSetNotFound" || name === "ChangeSetNotFoundException";
}
