import { planChanges, type ResourceChange } from "./diff.js";
import type { Deployment, ResourceState, RestoreStep, Stack } from "./model.js";
import { provisionerFor, ResourceFailure } from "./resources.js";
import { type Completion, FailurePoint, failureList, type StackRuntime } from "./runtime.js";

/**
 * Stack updates: apply changes in dependency order, clean up replaced and removed resources
 * after success, or roll back (and possibly stick in UPDATE_ROLLBACK_FAILED until
 * ContinueUpdateRollback) after a failure.
 */

function snapshot(state: ResourceState): ResourceState {
  return { ...state, properties: structuredClone(state.properties), attributes: { ...state.attributes } };
}

interface Applied {
  readonly steps: RestoreStep[];
  /** Old physical resources to delete in cleanup (replaced) and resources the template dropped. */
  readonly cleanup: ResourceState[];
}

function applyChange(
  rt: StackRuntime,
  stack: Stack,
  deployment: Deployment,
  change: ResourceChange,
  failureReason: string | undefined,
  applied: Applied,
): string | undefined {
  const { logicalId } = change;
  if (change.action === "Add") {
    applied.steps.push({ kind: "remove-added", logicalId });
    return rt.createResource(stack, deployment, logicalId, failureReason);
  }
  const state = stack.resources.get(logicalId)!;
  const before = snapshot(state);
  const type = deployment.template.Resources[logicalId]!.Type;
  const provisioner = provisionerFor(type);
  try {
    const props = rt.evaluateProperties(stack, deployment, logicalId);
    const replace =
      (change.replacement !== "False" &&
        Object.keys({ ...before.properties, ...props }).some(
          (key) =>
            provisioner.replacementProperties.includes(key) &&
            JSON.stringify(before.properties[key]) !== JSON.stringify(props[key]),
        )) ||
      before.type !== type;
    state.properties = props;
    if (replace) {
      applied.steps.push({ kind: "revert", logicalId, before, replacedPhysicalId: undefined });
      rt.mark(
        stack,
        state,
        "UPDATE_IN_PROGRESS",
        "Requested update requires the creation of a new physical resource; hence creating one.",
      );
      if (failureReason) throw new ResourceFailure(failureReason);
      const made = provisioner.create(rt.provisionEnv(stack, logicalId), props);
      state.physicalId = made.physicalId;
      state.attributes = made.attributes;
      applied.steps[applied.steps.length - 1] = {
        kind: "revert",
        logicalId,
        before,
        replacedPhysicalId: made.physicalId,
      };
      applied.cleanup.push(before);
    } else {
      applied.steps.push({ kind: "revert", logicalId, before, replacedPhysicalId: undefined });
      rt.mark(stack, state, "UPDATE_IN_PROGRESS");
      if (failureReason) throw new ResourceFailure(failureReason);
      state.attributes = provisioner.update(rt.provisionEnv(stack, logicalId), state.physicalId!, props).attributes;
    }
    rt.mark(stack, state, "UPDATE_COMPLETE");
    return undefined;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    rt.mark(stack, state, "UPDATE_FAILED", reason);
    return reason;
  }
}

export function startUpdate(rt: StackRuntime, stack: Stack, deployment: Deployment, done?: Completion): void {
  const previous = stack.deployment!;
  const changes = planChanges(rt.env, stack, deployment);
  stack.deployment = deployment;
  stack.lastUpdatedTime = rt.deps.scheduler.now();
  rt.store.setStatus(stack, "UPDATE_IN_PROGRESS", "User Initiated");
  rt.spawnOperation(
    stack,
    "UPDATE_ROLLBACK_FAILED",
    async () => {
      const failure = new FailurePoint(rt.deps.failures.take(stack.stackName, "update"));
      const applying = changes.filter((c) => c.action !== "Remove");
      const step = rt.stepMs(changes.length + 1);
      const applied: Applied = { steps: [], cleanup: [] };
      for (const change of applying) {
        await rt.sleep(step);
        const reason = applyChange(rt, stack, deployment, change, failure.reasonFor(change.logicalId), applied);
        if (reason !== undefined) {
          const verb = change.action === "Add" ? "create" : "update";
          rt.store.setStatus(
            stack,
            "UPDATE_ROLLBACK_IN_PROGRESS",
            `The following resource(s) failed to ${verb}: ${failureList([change.logicalId])}. `,
          );
          stack.deployment = previous;
          stack.pendingRollback = applied.steps.reverse();
          await runRollback(rt, stack, true);
          done?.("failed");
          return;
        }
      }
      await rt.sleep(step);
      stack.outputs = rt.computeOutputs(stack, deployment);
      rt.store.setStatus(stack, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS");
      for (const old of applied.cleanup) {
        await rt.sleep(step);
        if (old.physicalId !== undefined)
          provisionerFor(old.type).delete(rt.provisionEnv(stack, old.logicalId), old.physicalId);
      }
      for (const change of changes.filter((c) => c.action === "Remove")) {
        await rt.sleep(step);
        rt.deleteResource(stack, change.logicalId, undefined);
        stack.resources.delete(change.logicalId);
      }
      rt.store.setStatus(stack, "UPDATE_COMPLETE");
      done?.("succeeded");
    },
    done,
  );
}

/** Puts back what an update changed; a scripted 'update-rollback' failure stops it part-way. */
async function runRollback(
  rt: StackRuntime,
  stack: Stack,
  scriptable: boolean,
  skip: readonly string[] = [],
): Promise<void> {
  const steps = stack.pendingRollback ?? [];
  const failure = new FailurePoint(scriptable ? rt.deps.failures.take(stack.stackName, "update-rollback") : undefined);
  const step = rt.stepMs(steps.length);
  while (steps.length > 0) {
    await rt.sleep(step);
    const next = steps[0]!;
    const reason = skip.includes(next.logicalId) ? undefined : failure.reasonFor(next.logicalId);
    if (reason !== undefined) {
      const state = stack.resources.get(next.logicalId);
      if (state) rt.mark(stack, state, "UPDATE_FAILED", reason);
      rt.store.setStatus(
        stack,
        "UPDATE_ROLLBACK_FAILED",
        `The following resource(s) failed to update: ${failureList([next.logicalId])}. `,
      );
      return;
    }
    steps.shift();
    if (!skip.includes(next.logicalId)) restore(rt, stack, next);
  }
  stack.pendingRollback = undefined;
  rt.store.setStatus(stack, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS");
  await rt.sleep(step);
  rt.store.setStatus(stack, "UPDATE_ROLLBACK_COMPLETE");
}

function restore(rt: StackRuntime, stack: Stack, step: RestoreStep): void {
  switch (step.kind) {
    case "remove-added":
      rt.deleteResource(stack, step.logicalId, undefined);
      stack.resources.delete(step.logicalId);
      return;
    case "revert": {
      const state = stack.resources.get(step.logicalId)!;
      rt.mark(stack, state, "UPDATE_IN_PROGRESS");
      const env = rt.provisionEnv(stack, step.logicalId);
      const provisioner = provisionerFor(step.before.type);
      if (step.replacedPhysicalId !== undefined) provisionerFor(state.type).delete(env, step.replacedPhysicalId);
      else if (step.before.physicalId !== undefined)
        provisioner.update(env, step.before.physicalId, step.before.properties);
      Object.assign(state, {
        physicalId: step.before.physicalId,
        properties: step.before.properties,
        attributes: step.before.attributes,
      });
      rt.mark(stack, state, "UPDATE_COMPLETE");
      return;
    }
  }
}

export function startContinueRollback(
  rt: StackRuntime,
  stack: Stack,
  skip: readonly string[],
  done?: Completion,
): void {
  rt.store.setStatus(stack, "UPDATE_ROLLBACK_IN_PROGRESS", "User Initiated");
  rt.spawnOperation(
    stack,
    "UPDATE_ROLLBACK_FAILED",
    async () => {
      await runRollback(rt, stack, false, skip);
      done?.("succeeded");
    },
    done,
  );
}
