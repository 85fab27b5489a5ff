import {
  waitForChangeSetCreateComplete,
  type CloudFormationClient,
  type Parameter,
} from "@aws-sdk/client-cloudformation";
import { createChangeSet, deleteChangeSet, isChangeSetGone, isEmptyUpdate, readChangeSet } from "./change-sets.js";
import type { ResourceChange } from "../core/stack-snapshot.js";
import { awsTags } from "../core/tags.js";

/**
 * A change set made only to be read: created under the stack's own service role, described page by
 * page, deleted, never executed. Other operations on the stack go on meanwhile: a deploy that
 * executes its own change set removes this one (CloudFormation drops every change set of a stack
 * it updates), which is reported as `superseded` so the caller can make it once more.
 */
export interface PreviewChangeSetRequest {
  readonly stackName: string;
  readonly changeSetName: string;
  readonly templateBody: string;
  /** A value, or the stack's current one (`UsePreviousValue`). */
  readonly parameters: readonly (
    { readonly key: string; readonly value: string } | { readonly key: string; readonly previous: true }
  )[];
  readonly roleArn: string | undefined;
  readonly tags?: Readonly<Record<string, string>>;
  readonly maxWaitSeconds: number;
  readonly pollSeconds: { readonly min: number; readonly max: number };
}

export type PreviewChangeSetOutcome =
  | { readonly kind: "changes"; readonly changes: readonly ResourceChange[] }
  | { readonly kind: "no-changes" }
  | { readonly kind: "rejected"; readonly reason: string }
  /** The stack is mid-operation: CloudFormation takes no change set now. */
  | { readonly kind: "busy"; readonly reason: string }
  /** Another operation executed meanwhile and took this change set with it. */
  | { readonly kind: "superseded" };

export async function previewChangeSetOf(
  cfn: CloudFormationClient,
  request: PreviewChangeSetRequest,
): Promise<PreviewChangeSetOutcome> {
  const { stackName, changeSetName } = request;
  try {
    await createChangeSet(cfn, {
      StackName: stackName,
      ChangeSetName: changeSetName,
      ChangeSetType: "UPDATE",
      TemplateBody: request.templateBody,
      Parameters: request.parameters.map((p): Parameter =>
        "previous" in p
          ? { ParameterKey: p.key, UsePreviousValue: true }
          : { ParameterKey: p.key, ParameterValue: p.value },
      ),
      ...(request.tags ? { Tags: awsTags(request.tags) } : {}),
      RoleARN: request.roleArn,
      Description: "branchline preview: deleted again, never executed",
    });
  } catch (error) {
    const message = (error as Error).message;
    if ((error as Error).name === "ValidationError" && /IN_PROGRESS state|can ?not be updated/i.test(message))
      return { kind: "busy", reason: message };
    if ((error as Error).name === "ValidationError") return { kind: "rejected", reason: message };
    throw error;
  }
  try {
    await waitForChangeSetCreateComplete(
      {
        client: cfn,
        maxWaitTime: request.maxWaitSeconds,
        minDelay: request.pollSeconds.min,
        maxDelay: request.pollSeconds.max,
      },
      { StackName: stackName, ChangeSetName: changeSetName },
    ).catch(() => undefined); // the waiter throws on FAILED, which an empty change set is; the describe below says
    const reading = await readChangeSet(cfn, stackName, changeSetName);
    if (reading.status === "CREATE_COMPLETE") return { kind: "changes", changes: reading.changes };
    if (isEmptyUpdate(reading) && /didn't contain changes|No updates/i.test(reading.reason ?? ""))
      return { kind: "no-changes" };
    return { kind: "rejected", reason: reading.reason ?? `the change set is ${reading.status ?? "unknown"}` };
  } catch (error) {
    if (isChangeSetGone(error)) return { kind: "superseded" };
    throw error;
  } finally {
    await deleteChangeSet(cfn, stackName, changeSetName);
  }
}
