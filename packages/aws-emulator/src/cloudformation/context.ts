import type { EvalContext } from "./intrinsics.js";
import { evaluateCondition } from "./intrinsics.js";
import type { Deployment, ResourceState, Stack } from "./model.js";
import { parameterValue } from "./parameters.js";
import { attributeOf } from "./resources.js";

export interface ContextEnv {
  readonly region: string;
  readonly accountId: string;
  exportValue(name: string): string | undefined;
}

/**
 * The values a template's intrinsics see for one stack and deployment. `known` says which
 * resources have a physical id to offer; in a preview, resources about to be added or
 * replaced have none yet and read as unresolved.
 */
export function evalContext(
  env: ContextEnv,
  stack: Stack,
  deployment: Deployment,
  known: (logicalId: string) => ResourceState | undefined = (id) => stack.resources.get(id),
): EvalContext {
  const template = deployment.template;
  const pseudo: Record<string, string | string[]> = {
    "AWS::StackName": stack.stackName,
    "AWS::StackId": stack.stackId,
    "AWS::Region": env.region,
    "AWS::AccountId": env.accountId,
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::NotificationARNs": [...deployment.notificationArns],
  };
  const conditionCache = new Map<string, boolean>();
  const ctx: EvalContext = {
    parameter(name) {
      if (name in pseudo) return pseudo[name];
      const parameter = deployment.parameters.find((p) => p.key === name);
      return parameter ? parameterValue(parameter) : undefined;
    },
    isResource: (id) => id in template.Resources,
    resourceRef(id) {
      return known(id)?.physicalId;
    },
    attribute(id, name) {
      const state = known(id);
      if (!state?.physicalId) return undefined;
      return attributeOf(env, state.type, state.physicalId, state.attributes, name);
    },
    condition(name) {
      const cached = conditionCache.get(name);
      if (cached !== undefined) return cached;
      const definition = template.Conditions?.[name];
      if (definition === undefined) return false;
      const value = evaluateCondition(definition, ctx);
      conditionCache.set(name, value);
      return value;
    },
    mappings: (template.Mappings ?? {}) as Record<string, unknown>,
    region: env.region,
    importValue: (name) => env.exportValue(name),
  };
  return ctx;
}

/** Resources whose Condition holds (or that have none). */
export function isActive(ctx: EvalContext, deployment: Deployment, logicalId: string): boolean {
  const condition = deployment.template.Resources[logicalId]?.Condition;
  return condition === undefined || ctx.condition(condition);
}
