import { retagStack, type RetagOutcome } from "../aws/stack-tags.js";
import { describeStack } from "../aws/stacks.js";
import type { RepositoryRef } from "../core/environment.js";
import type { StackName } from "../core/naming.js";
import { environmentFromTags, repositoryTags, TAG, type RepositoryState } from "../core/tags.js";
import { requestToken, type RefJob } from "./ref-job.js";
import { awsFor, type Runtime } from "./runtime.js";

/**
 * Writes what became of a stack's repository into its tags (null: it follows git again), keeping
 * every other tag; with `follow`, the repository's name now (and id) as well. The stack is read
 * again first: a job may have changed its tags since a look listed it, and an older list must not
 * undo that.
 */
export async function markStack(
  runtime: Runtime,
  stackName: string,
  state: RepositoryState | null,
  token: string,
  follow?: RepositoryRef,
): Promise<RetagOutcome | "gone"> {
  const stack = await describeStack(runtime.aws.cloudformation, stackName as StackName);
  if (!stack) return "gone";
  const tags: Record<string, string> = { ...stack.tags, ...(follow ? repositoryTags(follow) : {}) };
  if (state === null) delete tags[TAG.repositoryState];
  else tags[TAG.repositoryState] = state;
  // Retagged with the kind role of the kind the stack says it is; a stack of no known kind with the base role.
  const kind = environmentFromTags(stack.tags)?.kind;
  const cfn = kind ? awsFor(runtime, kind).cloudformation : runtime.aws.cloudformation;
  return retagStack(cfn, stack, tags, token, runtime.stackWait);
}

type MarkJob = RefJob & { readonly cause: Extract<RefJob["cause"], { kind: "mark" }> };

/**
 * One look's jobs, as marks and the rest: the newest other job (carrying the older others it
 * superseded) and each stack's newest mark. A deploy rewrites a stack's tags from git, which knows
 * nothing of its repository's fate, so the marks of a look are written after its deploy.
 */
export function splitMarks(job: RefJob): { readonly marks: readonly MarkJob[]; readonly rest: RefJob | null } {
  const all = [...job.supersedes, { ...job, supersedes: [] }];
  const others = all.filter((j) => j.cause.kind !== "mark");
  const newest = new Map<string, MarkJob>();
  for (const j of all) if (isMark(j)) newest.set(j.cause.stackName, j);
  const latest = others.at(-1);
  return { marks: [...newest.values()], rest: latest ? { ...latest, supersedes: others.slice(0, -1) } : null };
}

function isMark(job: RefJob): job is MarkJob {
  return job.cause.kind === "mark";
}

/** The marks of a look, written in the environment's lane; a busy stack fails the look, so a later one tries again. */
export async function writeMarks(runtime: Runtime, marks: readonly MarkJob[]): Promise<void> {
  for (const mark of marks) {
    const { stackName, state, reason, follow } = mark.cause;
    const outcome = await markStack(
      runtime,
      stackName,
      state,
      requestToken(mark.deliveryId, "retag"),
      follow ? mark.repo : undefined,
    );
    if (outcome === "busy")
      throw new Error(
        `${stackName} is busy with an operation branchline did not start; its mark (${state ?? "followed"}) waits for the next look`,
      );
    runtime.log.info(
      { stack: stackName, state, outcome, why: reason },
      state === null ? "stack follows git again" : `stack marked ${state}`,
    );
  }
}
