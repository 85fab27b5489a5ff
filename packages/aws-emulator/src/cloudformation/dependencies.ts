import type { CfnTemplate } from "@branchline/cloudformation-template";
import { validationError } from "../errors.js";

/**
 * What each resource depends on (Ref, Fn::GetAtt, Fn::Sub names, DependsOn), the order
 * CloudFormation creates resources in, and the "unresolved dependencies" check it runs first.
 */

export const PSEUDO_PARAMETERS = new Set([
  "AWS::AccountId",
  "AWS::NotificationARNs",
  "AWS::NoValue",
  "AWS::Partition",
  "AWS::Region",
  "AWS::StackId",
  "AWS::StackName",
  "AWS::URLSuffix",
]);

/** Names a value refers to, whether parameters, pseudo parameters or resources. */
export function namesReferenced(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) namesReferenced(item, found);
    return found;
  }
  if (typeof value !== "object" || value === null) return found;
  for (const [key, item] of Object.entries(value)) {
    if (key === "Ref" && typeof item === "string") found.add(item);
    else if (key === "Fn::GetAtt") {
      const target = typeof item === "string" ? item.split(".")[0] : Array.isArray(item) ? item[0] : undefined;
      if (typeof target === "string") found.add(target);
      if (Array.isArray(item)) namesReferenced(item.slice(1), found);
    } else if (key === "Fn::Sub") {
      const [text, variables] = typeof item === "string" ? [item, {}] : Array.isArray(item) ? item : [undefined, {}];
      const local = new Set(Object.keys((variables as Record<string, unknown>) ?? {}));
      if (typeof text === "string") {
        for (const match of text.matchAll(/\$\{([^}!][^}]*)\}/g)) {
          const name = match[1]!.trim();
          const head = name.startsWith("AWS::") ? name : name.split(".")[0]!;
          if (!local.has(name)) found.add(head);
        }
      }
      namesReferenced(variables, found);
    } else namesReferenced(item, found);
  }
  return found;
}

function dependsOn(resource: { DependsOn?: string | readonly string[] }): string[] {
  const value = resource.DependsOn;
  if (value === undefined) return [];
  return typeof value === "string" ? [value] : [...value];
}

/** Refuses references to names that are neither parameters, pseudo parameters nor resources. */
export function checkReferences(template: CfnTemplate): void {
  const known = new Set([
    ...Object.keys(template.Parameters ?? {}),
    ...Object.keys(template.Resources),
    ...PSEUDO_PARAMETERS,
  ]);
  const unresolved = (value: unknown) => [...namesReferenced(value)].filter((name) => !known.has(name));
  const inResources = [
    ...new Set([
      ...unresolved(template.Resources),
      ...Object.values(template.Resources).flatMap((r) => dependsOn(r).filter((name) => !(name in template.Resources))),
    ]),
  ];
  if (inResources.length > 0) {
    throw validationError(
      `Template format error: Unresolved resource dependencies [${inResources.join(", ")}] in the Resources block of the template`,
    );
  }
  const inOutputs = [...new Set(unresolved(template.Outputs ?? {}))];
  if (inOutputs.length > 0) {
    throw validationError(
      `Template format error: Unresolved resource dependencies [${inOutputs.join(", ")}] in the Outputs block of the template`,
    );
  }
}

/** Resources in an order where each comes after everything it depends on. */
export function creationOrder(template: CfnTemplate, include: (logicalId: string) => boolean): string[] {
  const ids = Object.keys(template.Resources).filter(include);
  const edges = new Map<string, string[]>();
  for (const id of ids) {
    const resource = template.Resources[id]!;
    const deps = new Set([...namesReferenced(resource.Properties ?? {}), ...dependsOn(resource)]);
    edges.set(
      id,
      [...deps].filter((name) => name !== id && ids.includes(name)),
    );
  }
  const order: string[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (id: string, path: string[]) => {
    const seen = state.get(id);
    if (seen === "done") return;
    if (seen === "visiting") {
      throw validationError(`Circular dependency between resources: [${path.slice(path.indexOf(id)).join(", ")}]`);
    }
    state.set(id, "visiting");
    for (const dep of edges.get(id) ?? []) visit(dep, [...path, id]);
    state.set(id, "done");
    order.push(id);
  };
  for (const id of ids) visit(id, []);
  return order;
}
