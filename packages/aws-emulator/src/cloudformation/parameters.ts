import type { CfnTemplate } from "@branchline/cloudformation-template";
import { validationError } from "../errors.js";

export interface ParameterInput {
  readonly key: string;
  readonly value?: string;
  readonly usePreviousValue?: boolean;
}

export interface ResolvedParameter {
  readonly key: string;
  readonly value: string;
  readonly type: string;
  readonly noEcho: boolean;
}

function checkConstraints(
  key: string,
  definition: NonNullable<CfnTemplate["Parameters"]>[string],
  value: string,
): void {
  const allowed = definition.AllowedValues;
  if (allowed && !allowed.map(String).includes(value)) {
    throw validationError(`Parameter '${key}' must be one of AllowedValues`);
  }
  if (definition.AllowedPattern && !new RegExp(`^(?:${definition.AllowedPattern})$`).test(value)) {
    throw validationError(`Parameter '${key}' must match pattern ${definition.AllowedPattern}`);
  }
  if (definition.Type === "Number" && (value.trim() === "" || Number.isNaN(Number(value)))) {
    throw validationError(`Parameter '${key}' must be a number.`);
  }
  const min = definition.MinLength as number | undefined;
  const max = definition.MaxLength as number | undefined;
  if (min !== undefined && value.length < min)
    throw validationError(`Parameter '${key}' must contain at least ${min} characters`);
  if (max !== undefined && value.length > max)
    throw validationError(`Parameter '${key}' must contain at most ${max} characters`);
}

/**
 * Values for every declared parameter, as CloudFormation settles them: given value, previous
 * value (UsePreviousValue), or Default; unknown and missing keys refused in AWS's words.
 */
export function resolveParameters(
  template: CfnTemplate,
  inputs: readonly ParameterInput[],
  previous: readonly ResolvedParameter[] = [],
): ResolvedParameter[] {
  const declared = template.Parameters ?? {};
  const unknown = inputs.map((p) => p.key).filter((key) => !(key in declared));
  if (unknown.length > 0) throw validationError(`Parameters: [${unknown.join(", ")}] do not exist in the template`);
  const resolved: ResolvedParameter[] = [];
  const missing: string[] = [];
  for (const [key, definition] of Object.entries(declared)) {
    const input = inputs.find((p) => p.key === key);
    let value: string | undefined;
    if (input?.usePreviousValue) {
      const before = previous.find((p) => p.key === key);
      if (!before) {
        throw validationError(
          `Invalid input for parameter key ${key}. Cannot specify usePreviousValue as true for a parameter key not in the previous template`,
        );
      }
      value = before.value;
    } else if (input?.value !== undefined) {
      value = input.value;
    } else if (definition.Default !== undefined) {
      value = Array.isArray(definition.Default) ? definition.Default.join(",") : String(definition.Default);
    }
    if (value === undefined) {
      missing.push(key);
      continue;
    }
    checkConstraints(key, definition, value);
    resolved.push({ key, value, type: definition.Type, noEcho: String(definition.NoEcho) === "true" });
  }
  if (missing.length > 0) throw validationError(`Parameters: [${missing.join(", ")}] must have values`);
  return resolved;
}

/** A parameter as templates see it: list types become lists. */
export function parameterValue(parameter: ResolvedParameter): string | string[] {
  const isList = parameter.type === "CommaDelimitedList" || parameter.type.startsWith("List<");
  return isList ? parameter.value.split(",").map((v) => v.trim()) : parameter.value;
}
