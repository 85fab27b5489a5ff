import type { CfnTemplate } from "@branchline/cloudformation-template";
import { isMapping, suggest, type RawProblem, type TemplatePath } from "./property-check.js";
import type { ResourceSpec } from "./spec-db.js";

/**
 * Names a template uses must exist in it: Ref (parameters, resources, pseudo parameters), Fn::GetAtt
 * (resources and, where the specification knows the type, their attributes), ${...} in Fn::Sub,
 * conditions (Fn::If, Condition), DependsOn, and Fn::FindInMap's map.
 */

const PSEUDO_PARAMETERS = [
  "AWS::AccountId",
  "AWS::NotificationARNs",
  "AWS::NoValue",
  "AWS::Partition",
  "AWS::Region",
  "AWS::StackId",
  "AWS::StackName",
  "AWS::URLSuffix",
];

export function checkReferences(template: CfnTemplate, spec?: ResourceSpec): RawProblem[] {
  const problems: RawProblem[] = [];
  const parameters = Object.keys(template.Parameters ?? {});
  const resources = Object.keys(template.Resources);
  const conditions = Object.keys(isMapping(template.Conditions) ? template.Conditions : {});
  const mappings = Object.keys(isMapping(template.Mappings) ? template.Mappings : {});
  const report = (path: TemplatePath, message: string) => problems.push({ path, message });

  const checkCondition = (name: unknown, path: TemplatePath) => {
    if (typeof name === "string" && !conditions.includes(name)) {
      report(path, `condition ${name} is not declared under Conditions${suggest(name, conditions)}`);
    }
  };

  const checkRef = (name: string, path: TemplatePath, inConditions: boolean) => {
    if (parameters.includes(name) || PSEUDO_PARAMETERS.includes(name)) return;
    if (resources.includes(name)) {
      if (inConditions) report(path, `conditions can refer to parameters only, not to resource ${name}`);
      return;
    }
    const hint = suggest(name, [...parameters, ...resources, ...PSEUDO_PARAMETERS]);
    const fix = hint.startsWith("; did you mean") ? hint : "; declare it under Parameters";
    report(path, `Ref to ${name}, which is not a parameter, resource or pseudo parameter${fix}`);
  };

  const checkGetAtt = (resource: string, attribute: unknown, path: TemplatePath) => {
    if (!resources.includes(resource)) {
      report(path, `Fn::GetAtt of ${resource}, which is not a resource${suggest(resource, resources)}`);
      return;
    }
    if (typeof attribute !== "string" || spec === undefined) return;
    const type = template.Resources[resource]?.Type;
    const known = typeof type === "string" ? spec.resource(type) : undefined;
    if (known === undefined || (type === "AWS::CloudFormation::Stack" && attribute.startsWith("Outputs."))) return;
    const attributes = Object.keys(known.attributes);
    if (!attributes.includes(attribute)) {
      report(path, `${type} has no attribute ${attribute}${suggest(attribute, attributes)}`);
    }
  };

  const walk = (value: unknown, path: TemplatePath, inConditions: boolean): void => {
    if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, [...path, i], inConditions));
      return;
    }
    if (!isMapping(value)) return;
    const keys = Object.keys(value);
    const only = keys.length === 1 ? keys[0] : undefined;
    const argument = only === undefined ? undefined : value[only];
    if (only === "Ref" && typeof argument === "string") checkRef(argument, [...path, "Ref"], inConditions);
    if (only === "Condition" && inConditions) checkCondition(argument, [...path, "Condition"]);
    if (only === "Fn::If" && Array.isArray(argument)) checkCondition(argument[0], [...path, "Fn::If", 0]);
    if (
      only === "Fn::FindInMap" &&
      Array.isArray(argument) &&
      typeof argument[0] === "string" &&
      !mappings.includes(argument[0])
    ) {
      report(
        [...path, "Fn::FindInMap", 0],
        `mapping ${argument[0]} is not declared under Mappings${suggest(argument[0], mappings)}`,
      );
    }
    if (only === "Fn::GetAtt") {
      const [resource, attribute] =
        typeof argument === "string" ? splitOnce(argument) : Array.isArray(argument) ? argument : [];
      if (typeof resource === "string") checkGetAtt(resource, attribute, [...path, "Fn::GetAtt"]);
    }
    if (only === "Fn::Sub") {
      const [text, variables] = Array.isArray(argument) ? argument : [argument, {}];
      const local = isMapping(variables) ? Object.keys(variables) : [];
      if (typeof text === "string") {
        for (const name of subNames(text)) {
          if (local.includes(name)) continue;
          const dot = name.indexOf(".");
          if (dot > 0 && !PSEUDO_PARAMETERS.includes(name))
            checkGetAtt(name.slice(0, dot), name.slice(dot + 1), [...path, "Fn::Sub"]);
          else checkRef(name, [...path, "Fn::Sub"], inConditions);
        }
      }
    }
    for (const key of keys) walk(value[key], [...path, key], inConditions);
  };

  for (const [name, resource] of Object.entries(template.Resources)) {
    if (!isMapping(resource)) continue;
    const path = ["Resources", name];
    if ("Condition" in resource) checkCondition(resource.Condition, [...path, "Condition"]);
    const dependsOn =
      typeof resource.DependsOn === "string"
        ? [resource.DependsOn]
        : Array.isArray(resource.DependsOn)
          ? resource.DependsOn
          : [];
    dependsOn.forEach((target: unknown, i) => {
      if (typeof target === "string" && (!resources.includes(target) || target === name)) {
        const at = typeof resource.DependsOn === "string" ? [...path, "DependsOn"] : [...path, "DependsOn", i];
        report(at, `DependsOn ${target}, which is not another resource${suggest(target, resources)}`);
      }
    });
    for (const [key, child] of Object.entries(resource)) {
      if (key !== "Metadata") walk(child, [...path, key], false);
    }
  }
  for (const [name, output] of Object.entries(template.Outputs ?? {})) {
    if (!isMapping(output)) continue;
    if ("Condition" in output) checkCondition(output.Condition, ["Outputs", name, "Condition"]);
    walk(output, ["Outputs", name], false);
  }
  for (const [name, condition] of Object.entries(isMapping(template.Conditions) ? template.Conditions : {})) {
    walk(condition, ["Conditions", name], true);
  }
  return problems;
}

function splitOnce(text: string): [string, string | undefined] {
  const dot = text.indexOf(".");
  return dot < 0 ? [text, undefined] : [text.slice(0, dot), text.slice(dot + 1)];
}

/** The names in `${Name}` and `${Resource.Attribute}`; `${!Literal}` is text, not a reference. */
function subNames(text: string): string[] {
  const names: string[] = [];
  for (const match of text.matchAll(/\$\{([^}]*)\}/g)) {
    const name = match[1]!.trim();
    if (name !== "" && !name.startsWith("!")) names.push(name);
  }
  return names;
}
