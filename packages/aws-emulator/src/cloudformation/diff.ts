import { type ContextEnv, evalContext, isActive } from "./context.js";
import { creationOrder } from "./dependencies.js";
import { evaluate, isUnresolved } from "./intrinsics.js";
import type { Deployment, ResourceState, Stack, Tag } from "./model.js";
import { provisionerFor } from "./resources.js";

/** What a deployment would change in a stack: the `Changes` of a change set, and the plan of an update. */

export type ChangeAction = "Add" | "Modify" | "Remove";
export type Replacement = "True" | "False" | "Conditional";

export interface ResourceChange {
  readonly action: ChangeAction;
  readonly logicalId: string;
  readonly physicalId: string | undefined;
  readonly resourceType: string;
  /** Only for Modify, as in the API. */
  readonly replacement: Replacement | undefined;
  readonly scope: readonly string[];
  readonly changedProperties: readonly string[];
}

function changedKeys(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key])).sort();
}

function sameTags(a: readonly Tag[], b: readonly Tag[]): boolean {
  const norm = (tags: readonly Tag[]) => JSON.stringify([...tags].sort((x, y) => x.key.localeCompare(y.key)));
  return norm(a) === norm(b);
}

/** Resources a deployment makes active, in creation order. */
export function activeResources(env: ContextEnv, stack: Stack, deployment: Deployment): string[] {
  const ctx = evalContext(env, stack, deployment);
  return creationOrder(deployment.template, (id) => isActive(ctx, deployment, id));
}

export function planChanges(env: ContextEnv, stack: Stack, deployment: Deployment): ResourceChange[] {
  const order = activeResources(env, stack, deployment);
  const rebuilt = new Set<string>();
  const known = (id: string): ResourceState | undefined => (rebuilt.has(id) ? undefined : stack.resources.get(id));
  const ctx = evalContext(env, stack, deployment, known);
  const tagsChanged = stack.deployment !== undefined && !sameTags(stack.deployment.tags, deployment.tags);
  const changes: ResourceChange[] = [];
  for (const logicalId of order) {
    const resource = deployment.template.Resources[logicalId]!;
    const existing = stack.resources.get(logicalId);
    if (!existing || existing.physicalId === undefined) {
      rebuilt.add(logicalId);
      changes.push({
        action: "Add",
        logicalId,
        physicalId: undefined,
        resourceType: resource.Type,
        replacement: undefined,
        scope: [],
        changedProperties: [],
      });
      continue;
    }
    const props = evaluate(resource.Properties ?? {}, ctx) as Record<string, unknown>;
    const changed = existing.type === resource.Type ? changedKeys(existing.properties, props) : Object.keys(props);
    if (changed.length === 0 && !tagsChanged) continue;
    const replacing = changed.filter((key) => provisionerFor(resource.Type).replacementProperties.includes(key));
    let replacement: Replacement = "False";
    if (existing.type !== resource.Type) replacement = "True";
    else if (replacing.length > 0)
      replacement = replacing.some((key) => isUnresolved(props[key])) ? "Conditional" : "True";
    if (replacement !== "False") rebuilt.add(logicalId);
    const scope = [...(changed.length > 0 ? ["Properties"] : []), ...(tagsChanged ? ["Tags"] : [])];
    changes.push({
      action: "Modify",
      logicalId,
      physicalId: existing.physicalId,
      resourceType: resource.Type,
      replacement,
      scope,
      changedProperties: changed,
    });
  }
  for (const [logicalId, existing] of stack.resources) {
    if (!order.includes(logicalId)) {
      changes.push({
        action: "Remove",
        logicalId,
        physicalId: existing.physicalId,
        resourceType: existing.type,
        replacement: undefined,
        scope: [],
        changedProperties: [],
      });
    }
  }
  return changes;
}

/** UpdateStack's "No updates are to be performed.": same template, parameters and tags. */
export function isNoOpUpdate(stack: Stack, deployment: Deployment): boolean {
  const current = stack.deployment;
  if (!current) return false;
  const params = (d: Deployment) => JSON.stringify(d.parameters.map((p) => [p.key, p.value]));
  return (
    JSON.stringify(current.template) === JSON.stringify(deployment.template) &&
    params(current) === params(deployment) &&
    sameTags(current.tags, deployment.tags) &&
    current.roleArn === deployment.roleArn
  );
}
