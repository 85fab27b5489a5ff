import { setTimeout as sleep } from "node:timers/promises";
import { emptyBucket } from "../aws/buckets.js";
import {
  applyChangeSet,
  continueRollback,
  deleteStack,
  describeStack,
  protectStack,
  stackBuckets,
} from "../aws/stacks.js";
import type { ResourceChange, StackSnapshot } from "../core/stack-snapshot.js";
import { followedRef, isSharedEnvironment, type Environment, type RepositoryRef } from "../core/environment.js";
import type { EnvironmentNames } from "../core/naming.js";
import { plan, type Goal, type ObservedStack, type Step } from "../core/plan.js";
import { stackCondition } from "../core/stack-state.js";
import type { StackInputs } from "../core/stack-inputs.js";
import { belongsToRepository, refFromTags, repositoryIdFromTags, TAG } from "../core/tags.js";
import { templateFit, uploadTemplate } from "../aws/template-store.js";
import { requestToken } from "./ref-job.js";
import { awsFor, type Runtime } from "./runtime.js";

export interface StackTarget {
  readonly repo: RepositoryRef;
  readonly environment: Environment;
  readonly names: EnvironmentNames;
  /** Roots the request tokens of every mutation. */
  readonly deliveryId: string;
}

/** What the loop tells its caller as it goes, for the check run. */
export interface ConvergeObserver {
  planned?(steps: readonly Step[]): Promise<void>;
  applied?(description: string, changes?: readonly ResourceChange[]): void;
}

export type ConvergeResult =
  | { readonly kind: "ready-to-run"; readonly stack: StackSnapshot }
  | { readonly kind: "gone" }
  | { readonly kind: "refused"; readonly why: string };

/** Guards against a loop that never settles (a stack flipping state under us). */
const MAX_STEPS = 8;

/**
 * Observe, plan, apply one step, repeat: the only path that mutates a stack. Every step is taken
 * against fresh state, so an interrupted or repeated run picks up where things stand.
 */
export async function convergeStack(
  runtime: Runtime,
  target: StackTarget,
  inputs: StackInputs | null,
  observer: ConvergeObserver = {},
  options: { readonly replace?: boolean } = {},
): Promise<ConvergeResult> {
  const { cloudformation: cfn, s3 } = awsFor(runtime, target.environment.kind);
  const stackName = target.names.stack;
  // A requested rebuild deletes once; after that the stack is rebuilt like any missing one.
  let replace = options.replace ?? false;
  const waitStarted = Date.now();
  let lastPlanned = "";
  for (let index = 0; index < MAX_STEPS; index++) {
    const stack = await describeStack(cfn, stackName);
    const goal: Goal = inputs ? { kind: "deployed", desired: inputs, replace } : { kind: "gone" };
    const steps = plan(stackName, observe(stack, target), goal);
    const step = steps[0];
    if (step === undefined) return { kind: "gone" };
    const planned = JSON.stringify(steps);
    if (planned !== lastPlanned && step.kind !== "wait") await observer.planned?.(steps);
    lastPlanned = planned;
    const token = requestToken(target.deliveryId, `${index}-${step.kind}`);
    switch (step.kind) {
      case "start-run":
        // Enforced on every deploy, not only after a create: a failed or undone protection is put back.
        if (isSharedEnvironment(target.environment) && stack && !stack.terminationProtection) {
          await protectStack(cfn, stackName);
          observer.applied?.(`Turned termination protection of ${stackName} on (it was off)`);
        }
        return { kind: "ready-to-run", stack: stack as StackSnapshot };
      case "refuse":
        return { kind: "refused", why: step.why };
      case "wait": {
        const waited = (Date.now() - waitStarted) / 1000;
        if (waited > runtime.stackWait.maxWaitSeconds) {
          throw new Error(
            `${step.why} for more than ${runtime.stackWait.maxWaitSeconds} s; branchline will look again later`,
          );
        }
        await sleep(runtime.stackWait.minDelaySeconds * 1000);
        index--; // waiting is not a step
        continue;
      }
      case "create":
      case "update": {
        if (!inputs) throw new Error("a create or update was planned without inputs");
        const templateUrl =
          templateFit(inputs.templateBody, runtime.templates).kind === "via-s3" && runtime.templates
            ? await uploadTemplate(
                s3,
                runtime.templates,
                `templates/${stackName}/${inputs.templateHash}.yml`,
                inputs.templateBody,
              )
            : undefined;
        const outcome = await applyChangeSet(
          cfn,
          { stackName, type: step.kind === "create" ? "CREATE" : "UPDATE", inputs, token, templateUrl },
          runtime.stackWait,
        );
        if (step.kind === "create" && isSharedEnvironment(target.environment)) await protectStack(cfn, stackName);
        if (outcome.kind === "no-changes")
          observer.applied?.(`Stack ${stackName} unchanged: CloudFormation found nothing to change`);
        else
          observer.applied?.(`${step.kind === "create" ? "Created" : "Updated"} stack ${stackName}`, outcome.changes);
        break;
      }
      case "delete": {
        let emptied = 0;
        for (const bucket of await stackBuckets(cfn, stackName)) emptied += await emptyBucket(s3, bucket);
        await deleteStack(cfn, stackName, token, runtime.stackWait);
        replace = false;
        observer.applied?.(
          `Deleted stack ${stackName} (${step.why})${emptied > 0 ? `, after emptying ${emptied} object versions from its buckets` : ""}`,
        );
        break;
      }
      case "continue-rollback":
        await continueRollback(cfn, stackName, token, runtime.stackWait);
        observer.applied?.(`Continued the failed rollback of ${stackName}`);
        break;
    }
  }
  throw new Error(`stack ${stackName} did not settle after ${MAX_STEPS} steps`);
}

/** The stack as the planner sees it. Ownership comes from tags: branchline never adopts a stranger. */
export function observe(stack: StackSnapshot | null, target: StackTarget): ObservedStack | null {
  if (stack === null) return null;
  const tags = stack.tags;
  const untaggedReview = stack.status === "REVIEW_IN_PROGRESS" && Object.keys(tags).length === 0;
  const owned =
    untaggedReview ||
    (belongsToRepository(tags, target.repo) &&
      tags[TAG.environment] === target.environment.kind &&
      (target.environment.kind !== "branch" || refFromTags(tags) === followedRef(target.environment)));
  // A stack of this name owned by another repository id: a new repository under an old name.
  const taggedId = repositoryIdFromTags(tags);
  const otherRepository = taggedId !== null && target.repo.id !== undefined && taggedId !== target.repo.id;
  return {
    status: stack.status,
    condition: stackCondition(stack.status),
    ownedByEnvironment: owned,
    ...(otherRepository
      ? {
          ownerNote: `its tags say it belongs to another repository (GitHub id ${taggedId}, this one is ${target.repo.id}), which once had this name`,
        }
      : {}),
    terminationProtection: stack.terminationProtection,
    // A stack tagged before repository ids were is updated once, so that it carries the id.
    templateHash: taggedId === null && target.repo.id !== undefined ? undefined : tags[TAG.templateHash],
    parametersHash: tags[TAG.parametersHash],
  };
}
