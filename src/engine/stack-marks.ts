import { retagStack, type RetagOutcome } from "../aws/stack-tags.js";
import { describeStack } from "../aws/stacks.js";
import type { StackName } from "../core/naming.js";
import { environmentFromTags, TAG, type RepositoryState } from "../core/tags.js";
import { awsFor, type Runtime } from "./runtime.js";

/**
 * Writes what became of a stack's repository into its tags (null: it follows git again), keeping
 * every other tag. The stack is read again first: a job may have changed its tags since a look
 * listed it, and an older list must not undo that.
 */
export async function markStack(runtime: Runtime, stackName: string, state: RepositoryState | null, token: string): Promise<RetagOutcome | "gone"> {
  const stack = await describeStack(runtime.aws.cloudformation, stackName as StackName);
  if (!stack) return "gone";
  const tags: Record<string, string> = { ...stack.tags };
  if (state === null) delete tags[TAG.repositoryState];
  else tags[TAG.repositoryState] = state;
  // Retagged with the kind role of the kind the stack says it is; a stack of no known kind with the base role.
  const kind = environmentFromTags(stack.tags)?.kind;
  const cfn = kind ? awsFor(runtime, kind).cloudformation : runtime.aws.cloudformation;
  return retagStack(cfn, stack, tags, token, runtime.stackWait);
}
