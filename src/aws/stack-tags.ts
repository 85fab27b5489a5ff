import {
  UpdateStackCommand,
  waitForStackUpdateComplete,
  type CloudFormationClient,
} from "@aws-sdk/client-cloudformation";
import type { StackName } from "../core/naming.js";
import { awsTags } from "../core/tags.js";
import { CHANGE_SET_CAPABILITIES as CAPABILITIES } from "./change-sets.js";
import { waiter, type WaitBounds } from "./stacks.js";
import type { StackSnapshot } from "../core/stack-snapshot.js";

export type RetagOutcome = "retagged" | "unchanged" | "busy";

/**
 * Changes a stack's tags and nothing else: the same template and parameter values, the role it
 * already has. Tags are where branchline records what it knows of a stack, so this is how a fact
 * like "its repository is unowned" is written down. A stack busy with another operation is left
 * alone ("busy"): the next look tries again.
 */
export async function retagStack(
  cfn: CloudFormationClient,
  stack: StackSnapshot,
  tags: Readonly<Record<string, string>>,
  token: string,
  bounds: WaitBounds,
): Promise<RetagOutcome> {
  const same =
    Object.keys(tags).length === Object.keys(stack.tags).length &&
    Object.entries(tags).every(([key, value]) => stack.tags[key] === value);
  if (same) return "unchanged";
  try {
    await cfn.send(
      new UpdateStackCommand({
        StackName: stack.name,
        UsePreviousTemplate: true,
        Parameters: Object.keys(stack.parameters).map((ParameterKey) => ({ ParameterKey, UsePreviousValue: true })),
        Tags: awsTags(tags),
        Capabilities: CAPABILITIES,
        ClientRequestToken: token,
      }),
    );
  } catch (error) {
    const message = error instanceof Error ? error.message : "";
    if (error instanceof Error && error.name === "ValidationError" && /can ?not be updated|IN_PROGRESS/.test(message))
      return "busy";
    throw error;
  }
  const result = await waitForStackUpdateComplete(waiter(cfn, bounds), { StackName: stack.name as StackName });
  if (result.state !== "SUCCESS")
    throw new Error(
      `the tag update of ${stack.name} did not complete (${result.state}): ${result.reason ? String(result.reason) : "no reason given"}`,
    );
  return "retagged";
}
