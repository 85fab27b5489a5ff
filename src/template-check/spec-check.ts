import { LineCounter, parseDocument, visit } from "yaml";
import { readTemplate, type CfnTemplate } from "@branchline/cloudformation-template";
import {
  checkProperties,
  formatPath,
  isMapping,
  suggest,
  type RawProblem,
  type TemplatePath,
} from "./property-check.js";
import { checkReferences } from "./reference-check.js";
import { loadResourceSpec, type ResourceSpec } from "./spec-db.js";

/**
 * Checks a CloudFormation template against the resource specification before CloudFormation sees
 * it: resource types exist, properties exist (recursively through property types), required
 * properties are present, and Ref / GetAtt / Sub / Condition / DependsOn name things that exist.
 * Values computed by intrinsic functions are accepted as they are, since their type shows only at
 * deploy time. Every problem names its line, so a check run can annotate the template.
 */

export interface TemplateProblem {
  /** `Resources.Pipeline.Properties.Stages: required property missing (...)` */
  readonly message: string;
  readonly path: readonly (string | number)[];
  /** 1-based; where the path leads in the source, or its nearest existing ancestor. */
  readonly line: number;
  readonly column: number;
  /** `options.fileName`, when given. */
  readonly file?: string;
}

export interface CheckTemplateOptions {
  /** Named in each problem and in `formatProblem`. */
  readonly fileName?: string;
  /** The specification to check against; by default the bundled one, loaded once per process. */
  readonly spec?: ResourceSpec;
}

export async function checkTemplate(text: string, options: CheckTemplateOptions = {}): Promise<TemplateProblem[]> {
  const read = readTemplate(text);
  const file = options.fileName === undefined ? {} : { file: options.fileName };
  if (!read.ok) {
    return read.problems.map((p) => ({
      message: p.message,
      path: [],
      line: p.position.line,
      column: p.position.column,
      ...file,
    }));
  }
  const spec = options.spec ?? (await loadResourceSpec());
  const raw = [...checkStructure(read.template, spec), ...checkReferences(read.template, spec)];
  const problems: TemplateProblem[] = raw.map((p) => {
    const { line, column } = read.source.locate(p.path);
    const where = formatPath(p.path);
    return { message: where === "" ? p.message : `${where}: ${p.message}`, path: [...p.path], line, column, ...file };
  });
  problems.push(...aliasProblems(text, file));
  return problems.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** `templates/pipeline.yml:12:5: Resources.X.Properties.Y: unknown property ...` */
export function formatProblem(problem: TemplateProblem): string {
  return `${problem.file ?? "template"}:${problem.line}:${problem.column}: ${problem.message}`;
}

const SECTIONS = [
  "AWSTemplateFormatVersion",
  "Description",
  "Metadata",
  "Parameters",
  "Rules",
  "Mappings",
  "Conditions",
  "Transform",
  "Resources",
  "Outputs",
];
const RESOURCE_ATTRIBUTES = [
  "Type",
  "Properties",
  "DependsOn",
  "Condition",
  "DeletionPolicy",
  "UpdateReplacePolicy",
  "Metadata",
  "CreationPolicy",
  "UpdatePolicy",
];
const PARAMETER_KEYS = [
  "Type",
  "Default",
  "Description",
  "AllowedValues",
  "AllowedPattern",
  "ConstraintDescription",
  "MaxLength",
  "MinLength",
  "MaxValue",
  "MinValue",
  "NoEcho",
];
const PARAMETER_TYPES = ["String", "Number", "List<Number>", "CommaDelimitedList"];
const OUTPUT_KEYS = ["Value", "Description", "Export", "Condition"];
/** Namespaces whose every type is in the specification; others may be registry or module types. */
const SPECIFIED_NAMESPACES = ["AWS::", "Alexa::"];

function checkStructure(template: CfnTemplate, spec: ResourceSpec): RawProblem[] {
  const problems: RawProblem[] = [];
  const report = (path: TemplatePath, message: string) => problems.push({ path, message });

  for (const section of Object.keys(template)) {
    if (!SECTIONS.includes(section)) report([section], `unknown template section${suggest(section, SECTIONS)}`);
  }

  for (const [name, parameter] of Object.entries(template.Parameters ?? {})) {
    const path = ["Parameters", name];
    if (!isMapping(parameter)) {
      report(path, "a parameter must be a mapping with at least a Type");
      continue;
    }
    for (const key of Object.keys(parameter)) {
      if (!PARAMETER_KEYS.includes(key))
        report([...path, key], `unknown parameter attribute${suggest(key, PARAMETER_KEYS)}`);
    }
    if (typeof parameter.Type !== "string")
      report([...path, "Type"], "required: a parameter needs a Type (String, Number, CommaDelimitedList, ...)");
    else if (!isParameterType(parameter.Type))
      report([...path, "Type"], `unknown parameter type ${parameter.Type}${suggest(parameter.Type, PARAMETER_TYPES)}`);
  }

  for (const [name, resource] of Object.entries(template.Resources)) {
    const path = ["Resources", name];
    if (!isMapping(resource)) {
      report(path, "a resource must be a mapping with a Type");
      continue;
    }
    for (const key of Object.keys(resource)) {
      if (!RESOURCE_ATTRIBUTES.includes(key))
        report([...path, key], `unknown resource attribute${suggest(key, RESOURCE_ATTRIBUTES)}`);
    }
    if (typeof resource.Type !== "string") {
      report([...path, "Type"], "required: a resource needs a Type such as AWS::S3::Bucket");
      continue;
    }
    problems.push(...checkResource(spec, resource.Type, resource.Properties, path));
  }

  for (const [name, output] of Object.entries(template.Outputs ?? {})) {
    const path = ["Outputs", name];
    if (!isMapping(output)) {
      report(path, "an output must be a mapping with a Value");
      continue;
    }
    for (const key of Object.keys(output)) {
      if (!OUTPUT_KEYS.includes(key)) report([...path, key], `unknown output attribute${suggest(key, OUTPUT_KEYS)}`);
    }
    if (!("Value" in output)) report([...path, "Value"], "required: an output needs a Value");
  }
  return problems;
}

function checkResource(spec: ResourceSpec, type: string, properties: unknown, path: TemplatePath): RawProblem[] {
  // Custom resources take whatever their handler reads; only the service token is fixed.
  if (type.startsWith("Custom::") || type === "AWS::CloudFormation::CustomResource") {
    return isMapping(properties) && "ServiceToken" in properties
      ? []
      : [
          {
            path: [...path, "Properties", "ServiceToken"],
            message: `required property missing; add ServiceToken to this ${type}`,
          },
        ];
  }
  const resource = spec.resource(type);
  if (resource === undefined) {
    if (!SPECIFIED_NAMESPACES.some((ns) => type.startsWith(ns))) return [];
    return [
      { path: [...path, "Type"], message: `unknown resource type ${type}${suggest(type, spec.resourceTypes())}` },
    ];
  }
  return checkProperties(spec, resource, type, properties ?? {}, [...path, "Properties"]);
}

function isParameterType(type: string): boolean {
  return (
    PARAMETER_TYPES.includes(type) ||
    /^(List<)?AWS::[A-Za-z0-9]+::[A-Za-z0-9]+(::[A-Za-z0-9]+)*>?$/.test(type) ||
    /^AWS::SSM::Parameter::Value<.+>$/.test(type)
  );
}

/** CloudFormation refuses YAML aliases ("YAML aliases are not allowed in CloudFormation templates"). */
function aliasProblems(text: string, file: { file?: string }): TemplateProblem[] {
  // Cheap pre-check: an alias is `*name` after a space or bracket; ARNs such as `s3:*` or `"*"` are not.
  if (!/(^|[\s[{,])\*[A-Za-z0-9_-]/m.test(text)) return [];
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const problems: TemplateProblem[] = [];
  visit(doc, {
    Alias(_key, node) {
      const { line, col } = lineCounter.linePos(node.range?.[0] ?? 0);
      problems.push({
        message: `YAML alias *${node.source}: CloudFormation does not accept YAML aliases; write the value out`,
        path: [],
        line,
        column: col,
        ...file,
      });
    },
  });
  return problems;
}

export type { ResourceSpec } from "./spec-db.js";
