import { randomUUID } from "node:crypto";
import {
  DeleteStackCommand,
  waitForChangeSetCreateComplete,
  waitForStackDeleteComplete,
  type CloudFormationClient,
} from "@aws-sdk/client-cloudformation";
import { createChangeSet, deleteChangeSet, isEmptyUpdate, readChangeSet } from "../aws/change-sets.js";
import { describeStack } from "../aws/stacks.js";
import type { EnvironmentNames } from "../core/naming.js";
import type { StackInputs } from "../core/stack-inputs.js";
import { awsTags } from "../core/tags.js";
import type { ResourceChange } from "../core/stack-snapshot.js";

/** The change set an update would make, as `branchline plan` shows it: made, read and deleted again. */
export interface PlanChangeSet {
  readonly type: "CREATE" | "UPDATE";
  /** `ready`: it holds changes; `no-changes`: CloudFormation found nothing to change; `failed`: it was rejected. */
  readonly status: "ready" | "no-changes" | "failed";
  readonly reason?: string;
  readonly changes: readonly ResourceChange[];
  /** What was removed again afterwards (the change set, and for CREATE the REVIEW_IN_PROGRESS stack). */
  readonly cleanedUp: readonly string[];
}

/** The part of `branchline plan` that talks to AWS, loaded only when AWS is configured. */

export { describeStack } from "../aws/stacks.js";
export { INLINE_TEMPLATE_LIMIT } from "../aws/template-store.js";
export { observe } from "../engine/converge-stack.js";

/**
 * The change set an update (or create) would make: created, described, then deleted, never
 * executed. A CREATE change set leaves a REVIEW_IN_PROGRESS stack, which is deleted too.
 */
export async function previewChangeSet(
  cfn: CloudFormationClient,
  names: EnvironmentNames,
  type: "CREATE" | "UPDATE",
  inputs: StackInputs,
  maxWaitSeconds: number,
): Promise<PlanChangeSet> {
  const id = randomUUID();
  const changeSetName = `branchline-cli-plan-${id}`;
  const stackName = names.stack;
  const cleanedUp: string[] = [];
  let created = false;
  // Interrupted (Ctrl-C) while the change set exists: still leave nothing behind.
  const onInterrupt = () => {
    const cleaning = created
      ? cleanUp(cfn, stackName, changeSetName, type, cleanedUp).catch(() => undefined)
      : Promise.resolve();
    void cleaning.finally(() => process.exit(130));
  };
  process.once("SIGINT", onInterrupt);
  process.once("SIGTERM", onInterrupt);
  try {
    await createChangeSet(cfn, {
      StackName: stackName,
      ChangeSetName: changeSetName,
      ChangeSetType: type,
      TemplateBody: inputs.templateBody,
      Parameters: Object.entries(inputs.parameters).map(([ParameterKey, ParameterValue]) => ({
        ParameterKey,
        ParameterValue,
      })),
      Tags: awsTags(inputs.tags),
      RoleARN: inputs.roleArn,
      ClientToken: `cli-plan-${id}`,
      Description: "branchline plan: a preview, deleted again and never executed",
    });
    created = true;
    await waitForChangeSetCreateComplete(
      { client: cfn, maxWaitTime: Math.min(maxWaitSeconds, 600), minDelay: 1, maxDelay: 10 },
      { StackName: stackName, ChangeSetName: changeSetName },
    ).catch(() => undefined);
    const reading = await readChangeSet(cfn, stackName, changeSetName);
    const { status, reason, changes } = reading;
    if (type === "UPDATE" && isEmptyUpdate(reading)) {
      return {
        type,
        status: "no-changes",
        ...(reason ? { reason } : {}),
        changes,
        cleanedUp: await cleanUp(cfn, stackName, changeSetName, type, cleanedUp),
      };
    }
    const settled = status === "CREATE_COMPLETE" ? "ready" : "failed";
    return {
      type,
      status: settled,
      ...(settled === "failed" ? { reason: reason ?? `the change set is ${status ?? "unknown"}` } : {}),
      changes,
      cleanedUp: await cleanUp(cfn, stackName, changeSetName, type, cleanedUp),
    };
  } finally {
    process.off("SIGINT", onInterrupt);
    process.off("SIGTERM", onInterrupt);
    // Whatever happened above, leave nothing behind.
    if (created && cleanedUp.length === 0)
      await cleanUp(cfn, stackName, changeSetName, type, cleanedUp).catch(() => undefined);
  }
}

async function cleanUp(
  cfn: CloudFormationClient,
  stackName: string,
  changeSetName: string,
  type: "CREATE" | "UPDATE",
  done: string[],
): Promise<string[]> {
  if (done.length > 0) return done;
  await deleteChangeSet(cfn, stackName, changeSetName).catch(() => undefined);
  done.push(`change set ${changeSetName}`);
  if (type === "CREATE") {
    // The stack exists only because of the change set (REVIEW_IN_PROGRESS, no resources).
    const stack = await describeStack(cfn, stackName as Parameters<typeof describeStack>[1]);
    if (stack && stack.status === "REVIEW_IN_PROGRESS") {
      await cfn.send(new DeleteStackCommand({ StackName: stackName }));
      await waitForStackDeleteComplete(
        { client: cfn, maxWaitTime: 300, minDelay: 1, maxDelay: 5 },
        { StackName: stackName },
      ).catch(() => undefined);
      done.push(`stack ${stackName} (REVIEW_IN_PROGRESS)`);
    }
  }
  return done;
}
