import type { CfnParameter } from "@branchline/cloudformation-template";

/**
 * Whether CloudFormation would take a value for a declared parameter: the checks it makes before a
 * stack operation starts (Type, AllowedValues, AllowedPattern, MinLength/MaxLength,
 * MinValue/MaxValue), so a bad value is refused with the parameter's name here, not as a failed
 * change set later. Returns what is wrong, or null. Types whose values live in AWS (AWS::EC2::…,
 * AWS::SSM::Parameter::…) are left to CloudFormation: only their list shape is checked.
 */
export function parameterValueProblem(declaration: CfnParameter, value: string): string | null {
  const type = String(declaration.Type ?? "String");
  const list = type.startsWith("List<") || type === "CommaDelimitedList";
  const items = list ? value.split(",") : [value];
  const numeric = type === "Number" || type === "List<Number>";
  for (const item of items) {
    const problem = numeric ? numberProblem(declaration, item.trim()) : stringProblem(declaration, item, type);
    if (problem) return list ? `item "${item}" of the list: ${problem}` : problem;
  }
  return null;
}

function allowedValues(declaration: CfnParameter): string[] | undefined {
  return Array.isArray(declaration.AllowedValues) ? declaration.AllowedValues.map(String) : undefined;
}

function numberProblem(declaration: CfnParameter, value: string): string | null {
  if (!/^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/.test(value))
    return "the parameter's Type is Number, and this is not a number";
  const number = Number(value);
  const allowed = allowedValues(declaration);
  if (allowed && !allowed.some((a) => Number(a) === number))
    return `it must be one of the template's AllowedValues: ${allowed.join(", ")}`;
  const min = numberOrUndefined(declaration.MinValue);
  const max = numberOrUndefined(declaration.MaxValue);
  if (min !== undefined && number < min) return `it must be at least ${min} (the template's MinValue)`;
  if (max !== undefined && number > max) return `it must be at most ${max} (the template's MaxValue)`;
  return null;
}

function stringProblem(declaration: CfnParameter, value: string, type: string): string | null {
  const allowed = allowedValues(declaration);
  if (allowed && !allowed.includes(value))
    return `it must be one of the template's AllowedValues: ${allowed.join(", ")}`;
  // AWS-specific and SSM types name things in the account: only CloudFormation can check those.
  if (type !== "String" && type !== "CommaDelimitedList") return null;
  const minLength = numberOrUndefined(declaration.MinLength);
  const maxLength = numberOrUndefined(declaration.MaxLength);
  if (minLength !== undefined && value.length < minLength)
    return `it must be at least ${minLength} characters long (the template's MinLength)`;
  if (maxLength !== undefined && value.length > maxLength)
    return `it must be at most ${maxLength} characters long (the template's MaxLength)`;
  const pattern = typeof declaration.AllowedPattern === "string" ? declaration.AllowedPattern : undefined;
  if (pattern !== undefined && !fullMatch(pattern, value))
    return `it must match the template's AllowedPattern ${pattern}`;
  return null;
}

/** CloudFormation matches AllowedPattern against the whole value, anchors or not. */
function fullMatch(pattern: string, value: string): boolean {
  let expression: RegExp;
  try {
    expression = new RegExp(`^(?:${pattern})$`, "s");
  } catch {
    // A pattern JavaScript cannot read (Java-only syntax) is CloudFormation's to apply.
    return true;
  }
  return expression.test(value);
}

function numberOrUndefined(value: unknown): number | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const number = Number(value);
  return Number.isFinite(number) ? number : undefined;
}
