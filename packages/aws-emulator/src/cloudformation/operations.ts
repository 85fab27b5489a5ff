import { activeResources } from "./diff.js";
import { creationOrder } from "./dependencies.js";
import type { Deployment, Stack } from "./model.js";
import { type Completion, FailurePoint, failureList, type StackRuntime } from "./runtime.js";

/**
 * Stack creation and deletion as CloudFormation runs them: one resource at a time in
 * dependency order, an event for every transition, rollback after a failed create, and
 * DELETE_FAILED when a resource (typically a non-empty bucket) will not go.
 */

export function startCreate(rt: StackRuntime, stack: Stack, deployment: Deployment, done?: Completion): void {
  stack.deployment = deployment;
  rt.store.setStatus(stack, "CREATE_IN_PROGRESS", "User Initiated");
  rt.spawnOperation(
    stack,
    "ROLLBACK_COMPLETE",
    async () => {
      const order = activeResources(rt.env, stack, deployment);
      const failure = new FailurePoint(rt.deps.failures.take(stack.stackName, "create"));
      const step = rt.stepMs(order.length);
      let failed: string | undefined;
      for (const logicalId of order) {
        await rt.sleep(step);
        if (rt.createResource(stack, deployment, logicalId, failure.reasonFor(logicalId)) !== undefined) {
          failed = logicalId;
          break;
        }
      }
      await rt.sleep(step);
      if (failed === undefined) {
        try {
          stack.outputs = rt.computeOutputs(stack, deployment);
        } catch (error) {
          rt.store.setStatus(stack, "ROLLBACK_IN_PROGRESS", error instanceof Error ? error.message : String(error));
          await rollBackCreate(rt, stack);
          done?.("failed");
          return;
        }
        rt.store.setStatus(stack, "CREATE_COMPLETE");
        done?.("succeeded");
        return;
      }
      const reason = `The following resource(s) failed to create: ${failureList([failed])}. `;
      if (deployment.disableRollback) {
        rt.store.setStatus(stack, "CREATE_FAILED", reason);
      } else {
        rt.store.setStatus(stack, "ROLLBACK_IN_PROGRESS", `${reason}Rollback requested by user.`);
        await rollBackCreate(rt, stack);
      }
      done?.("failed");
    },
    done,
  );
}

async function rollBackCreate(rt: StackRuntime, stack: Stack): Promise<void> {
  const created = [...stack.resources.keys()].reverse();
  const step = rt.stepMs(created.length);
  for (const logicalId of created) {
    await rt.sleep(step);
    rt.deleteResource(stack, logicalId, undefined);
  }
  rt.store.setStatus(stack, "ROLLBACK_COMPLETE");
}

/** Resources to delete, dependants first; ones the template no longer names go last. */
function deletionOrder(stack: Stack): string[] {
  const live = [...stack.resources.values()]
    .filter((r) => r.status !== "DELETE_COMPLETE" && r.status !== "DELETE_SKIPPED")
    .map((r) => r.logicalId);
  const template = stack.deployment?.template;
  if (!template) return live.reverse();
  const ordered = creationOrder(template, (id) => live.includes(id)).reverse();
  return [...ordered, ...live.filter((id) => !ordered.includes(id))];
}

export function startDelete(rt: StackRuntime, stack: Stack, retain: readonly string[], done?: Completion): void {
  rt.store.setStatus(stack, "DELETE_IN_PROGRESS", "User Initiated");
  rt.spawnOperation(
    stack,
    "DELETE_FAILED",
    async () => {
      const order = deletionOrder(stack);
      const failure = new FailurePoint(rt.deps.failures.take(stack.stackName, "delete"));
      const step = rt.stepMs(order.length);
      const failed: string[] = [];
      for (const logicalId of order) {
        await rt.sleep(step);
        const keep = retain.includes(logicalId);
        if (rt.deleteResource(stack, logicalId, keep ? undefined : failure.reasonFor(logicalId), keep) !== undefined)
          failed.push(logicalId);
      }
      await rt.sleep(step);
      if (failed.length > 0) {
        rt.store.setStatus(
          stack,
          "DELETE_FAILED",
          `The following resource(s) failed to delete: ${failureList(failed)}. `,
        );
        done?.("failed");
        return;
      }
      stack.deletionTime = rt.deps.scheduler.now();
      rt.store.setStatus(stack, "DELETE_COMPLETE");
      rt.store.markDeleted(stack);
      done?.("succeeded");
    },
    done,
  );
}
