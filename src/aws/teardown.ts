import { setTimeout as sleep } from "node:timers/promises";
import {
  DeleteStackCommand,
  waitForStackDeleteComplete,
  type CloudFormationClient,
} from "@aws-sdk/client-cloudformation";
import type { S3Client } from "@aws-sdk/client-s3";
import { isApplicationStack, MANAGED_BY_VALUE, TAG } from "../core/tags.js";
import type { StackName } from "../core/naming.js";
import { emptyBucket } from "./buckets.js";
import { listManagedStacks } from "./managed-stacks.js";
import { describeStack, failureEvents, stackBuckets, StackOperationFailed, waiter, type WaitBounds } from "./stacks.js";
import type { StackSnapshot } from "../core/stack-snapshot.js";

/**
 * The first half of an environment's teardown: the application stacks its pipeline deployed, found
 * by the pipeline stack's `ApplicationStackName` output and by their tags, deleted while the deploy
 * role they were created with still exists (it lives in the pipeline stack, and a stack's role sticks
 * to it). The pipeline stack goes after, through the usual converge loop. Every step looks again at
 * what is there, so a teardown cut off anywhere (a crash between the two deletions) resumes from
 * where it stands.
 */
export interface ApplicationTeardown {
  readonly cfn: CloudFormationClient;
  readonly s3: S3Client;
  readonly pipelineStack: StackName;
  /** The pipeline stack, if it is still there and is the environment's own. */
  readonly pipeline: StackSnapshot | null;
  /** The kind's CloudFormation service role: it deletes an application stack whose own role is gone. */
  readonly fallbackRole: string | undefined;
  readonly token: (step: string) => string;
  readonly wait: WaitBounds;
}

/** What a teardown did to application stacks, for the log and the check run. */
export type ApplicationStep = string;

/**
 * The environment's application stacks that exist, from the pipeline stack's output and from tags
 * (among `listed`, when the caller has just listed the managed stacks, else listed here).
 */
export async function applicationStacks(
  cfn: CloudFormationClient,
  pipelineStack: string,
  pipeline: StackSnapshot | null,
  listed?: readonly StackSnapshot[],
): Promise<StackSnapshot[]> {
  const found = new Map<string, StackSnapshot>();
  const named = pipeline?.outputs.ApplicationStackName;
  if (named && named !== pipelineStack) {
    const stack = await describeStack(cfn, named as StackName);
    if (stack && deletable(stack, pipelineStack)) found.set(stack.name, stack);
  }
  for (const stack of listed ?? (await listManagedStacks(cfn))) {
    if (isApplicationStack(stack.tags) && stack.tags[TAG.pipelineStack] === pipelineStack) found.set(stack.name, stack);
  }
  return [...found.values()];
}

/**
 * Whether a stack the pipeline stack's output names may be deleted as its application: never another
 * environment's pipeline stack (an output is the template's to write, so it is input, not evidence),
 * never a protected stack.
 */
function deletable(stack: StackSnapshot, pipelineStack: string): boolean {
  if (stack.terminationProtection) return false;
  const isPipelineStack = stack.tags[TAG.managedBy] === MANAGED_BY_VALUE && !isApplicationStack(stack.tags);
  if (isPipelineStack) return false;
  return stack.name.startsWith(`${pipelineStack}-`) || stack.tags[TAG.pipelineStack] === pipelineStack;
}

export async function tearDownApplications(teardown: ApplicationTeardown): Promise<ApplicationStep[]> {
  const done: ApplicationStep[] = [];
  for (const stack of await applicationStacks(teardown.cfn, teardown.pipelineStack, teardown.pipeline)) {
    const step = await tearDownApplication(teardown, stack.name as StackName);
    if (step) done.push(step);
  }
  return done;
}

async function tearDownApplication(teardown: ApplicationTeardown, name: StackName): Promise<ApplicationStep | null> {
  const { cfn, s3 } = teardown;
  // A run may be deploying it right now: its operation ends first (a delete under way is joined instead).
  const started = Date.now();
  for (;;) {
    const stack = await describeStack(cfn, name);
    if (!stack) return null;
    if (
      !stack.status.endsWith("_IN_PROGRESS") ||
      stack.status === "DELETE_IN_PROGRESS" ||
      stack.status === "REVIEW_IN_PROGRESS"
    )
      break;
    if ((Date.now() - started) / 1000 > teardown.wait.maxWaitSeconds)
      throw new Error(
        `application stack ${name} stayed ${stack.status} for more than ${teardown.wait.maxWaitSeconds} s; branchline will look again later`,
      );
    await sleep(teardown.wait.minDelaySeconds * 1000);
  }
  let emptied = 0;
  for (const bucket of await stackBuckets(cfn, name)) emptied += await emptyBucket(s3, bucket);
  const token = teardown.token(`app-${name}`);
  let withRole: string | undefined;
  try {
    await cfn.send(new DeleteStackCommand({ StackName: name, ClientRequestToken: token }));
  } catch (error) {
    // Its own role went with a pipeline stack deleted first (by hand, or by an older branchline).
    if (!isRoleGone(error) || !teardown.fallbackRole) throw error;
    withRole = teardown.fallbackRole;
    await cfn.send(new DeleteStackCommand({ StackName: name, ClientRequestToken: `${token}-role`, RoleARN: withRole }));
  }
  const result = await waitForStackDeleteComplete(waiter(cfn, teardown.wait), { StackName: name });
  if (result.state !== "SUCCESS") {
    const after = await describeStack(cfn, name);
    throw new StackOperationFailed(
      `the delete of application stack ${name} failed; it is ${after?.status ?? "gone"}`,
      name,
      after?.status,
      await failureEvents(cfn, name, withRole ? `${token}-role` : token),
    );
  }
  return `Deleted application stack ${name}${withRole ? ` with ${withRole} (its own role is gone)` : ""}${emptied > 0 ? `, after emptying ${emptied} object versions from its buckets` : ""}`;
}

function isRoleGone(error: unknown): boolean {
  return (
    error instanceof Error &&
    error.name === "ValidationError" &&
    /role .* is invalid or cannot be assumed/i.test(error.message)
  );
}
