import { validationError } from "../errors.js";

/**
 * CloudFormation's intrinsic functions over template data in long form (the template reader
 * already turned `!Ref` and friends into `{ Ref: ... }`).
 */

/** `AWS::NoValue`: the property or list item disappears. */
export const NO_VALUE: unique symbol = Symbol("AWS::NoValue");

export interface EvalContext {
  /** A parameter or pseudo parameter value, or undefined when the name is not one. */
  parameter(name: string): string | string[] | undefined;
  /** A resource's Ref value; undefined while unknown (a preview of a change). */
  resourceRef(logicalId: string): string | undefined;
  attribute(logicalId: string, name: string): string | undefined;
  isResource(logicalId: string): boolean;
  condition(name: string): boolean;
  mappings: Readonly<Record<string, unknown>>;
  region: string;
  importValue(name: string): string | undefined;
}

/** What a value not known yet looks like in a preview; it never equals a real value. */
export function unresolved(what: string): string {
  return `{{unresolved:${what}}}`;
}

export function isUnresolved(value: unknown): boolean {
  return JSON.stringify(value ?? null).includes("{{unresolved:");
}

function asString(value: unknown, where: string): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw validationError(`Template error: ${where} requires a string, got ${JSON.stringify(value)}`);
}

function asList(value: unknown, where: string): unknown[] {
  if (Array.isArray(value)) return value;
  throw validationError(`Template error: ${where} requires a list, got ${JSON.stringify(value)}`);
}

function ref(name: string, ctx: EvalContext): unknown {
  if (name === "AWS::NoValue") return NO_VALUE;
  const parameter = ctx.parameter(name);
  if (parameter !== undefined) return parameter;
  if (ctx.isResource(name)) return ctx.resourceRef(name) ?? unresolved(name);
  throw validationError(
    `Template format error: Unresolved resource dependencies [${name}] in the Resources block of the template`,
  );
}

function getAtt(logicalId: string, attribute: string, ctx: EvalContext): string {
  if (!ctx.isResource(logicalId)) {
    throw validationError(`Template error: instance of Fn::GetAtt references undefined resource ${logicalId}`);
  }
  return ctx.attribute(logicalId, attribute) ?? unresolved(`${logicalId}.${attribute}`);
}

function substitute(template: string, variables: Record<string, unknown>, ctx: EvalContext): string {
  return template.replace(/\$\{([^}]*)\}/g, (_whole, inner: string) => {
    if (inner.startsWith("!")) return "${" + inner.slice(1) + "}";
    const name = inner.trim();
    if (name in variables) return asString(variables[name], "Fn::Sub variable");
    const dot = name.indexOf(".");
    if (dot > 0 && !name.startsWith("AWS::")) return getAtt(name.slice(0, dot), name.slice(dot + 1), ctx);
    const value = ref(name, ctx);
    return Array.isArray(value) ? value.join(",") : asString(value, "Fn::Sub");
  });
}

export function evaluateCondition(value: unknown, ctx: EvalContext): boolean {
  const result = evaluate(value, ctx);
  if (typeof result === "boolean") return result;
  if (result === "true" || result === "false") return result === "true";
  throw validationError(`Template error: a condition must evaluate to a boolean, got ${JSON.stringify(result)}`);
}

function evaluateFunction(name: string, arg: unknown, ctx: EvalContext): unknown {
  switch (name) {
    case "Ref":
      return ref(asString(arg, "Ref"), ctx);
    case "Condition":
      return ctx.condition(asString(arg, "Condition"));
    case "Fn::GetAtt": {
      const parts =
        typeof arg === "string"
          ? [arg.slice(0, arg.indexOf(".")), arg.slice(arg.indexOf(".") + 1)]
          : asList(arg, "Fn::GetAtt");
      return getAtt(asString(parts[0], "Fn::GetAtt"), asString(evaluate(parts[1], ctx), "Fn::GetAtt"), ctx);
    }
    case "Fn::Sub": {
      if (typeof arg === "string") return substitute(arg, {}, ctx);
      const [text, vars] = asList(arg, "Fn::Sub");
      const variables = evaluate(vars ?? {}, ctx) as Record<string, unknown>;
      return substitute(asString(text, "Fn::Sub"), variables, ctx);
    }
    case "Fn::Join": {
      const [delimiter, list] = asList(arg, "Fn::Join");
      const items = asList(evaluate(list, ctx), "Fn::Join").filter((item) => item !== NO_VALUE);
      return items.map((item) => asString(item, "Fn::Join")).join(asString(delimiter, "Fn::Join"));
    }
    case "Fn::Select": {
      const [index, list] = asList(arg, "Fn::Select");
      const items = asList(evaluate(list, ctx), "Fn::Select");
      const at = Number(evaluate(index, ctx));
      if (!Number.isInteger(at) || at < 0 || at >= items.length) {
        throw validationError("Template error: Fn::Select cannot select nonexistent value at index " + String(at));
      }
      return items[at];
    }
    case "Fn::Split": {
      const [delimiter, source] = asList(arg, "Fn::Split");
      return asString(evaluate(source, ctx), "Fn::Split").split(asString(delimiter, "Fn::Split"));
    }
    case "Fn::FindInMap": {
      const [map, top, second] = asList(arg, "Fn::FindInMap").map((part) =>
        asString(evaluate(part, ctx), "Fn::FindInMap"),
      );
      const value = ((ctx.mappings[map!] as Record<string, Record<string, unknown>> | undefined)?.[top!] ?? {})[
        second!
      ];
      if (value === undefined) {
        throw validationError(`Template error: Unable to get mapping for ${map}::${top}::${second}`);
      }
      return value;
    }
    case "Fn::GetAZs": {
      const region = asString(evaluate(arg, ctx), "Fn::GetAZs") || ctx.region;
      return ["a", "b", "c"].map((zone) => `${region}${zone}`);
    }
    case "Fn::If": {
      const [condition, whenTrue, whenFalse] = asList(arg, "Fn::If");
      return evaluate(ctx.condition(asString(condition, "Fn::If")) ? whenTrue : whenFalse, ctx);
    }
    case "Fn::Equals": {
      const [a, b] = asList(arg, "Fn::Equals").map((part) => evaluate(part, ctx));
      return JSON.stringify(a) === JSON.stringify(b) || String(a) === String(b);
    }
    case "Fn::Not":
      return !evaluateCondition(asList(arg, "Fn::Not")[0], ctx);
    case "Fn::And":
      return asList(arg, "Fn::And").every((part) => evaluateCondition(part, ctx));
    case "Fn::Or":
      return asList(arg, "Fn::Or").some((part) => evaluateCondition(part, ctx));
    case "Fn::Base64":
      return Buffer.from(asString(evaluate(arg, ctx), "Fn::Base64")).toString("base64");
    case "Fn::Length":
      return asList(evaluate(arg, ctx), "Fn::Length").length;
    case "Fn::ToJsonString":
      return JSON.stringify(evaluate(arg, ctx));
    case "Fn::ImportValue": {
      const exportName = asString(evaluate(arg, ctx), "Fn::ImportValue");
      const value = ctx.importValue(exportName);
      if (value === undefined) throw validationError(`No export named ${exportName} found.`);
      return value;
    }
    default:
      throw validationError(`Template format error: Unrecognized intrinsic function ${name}`);
  }
}

const FUNCTION_KEYS = /^(Ref|Condition|Fn::\w+)$/;

export function evaluate(value: unknown, ctx: EvalContext): unknown {
  if (Array.isArray(value)) {
    return value.map((item) => evaluate(item, ctx)).filter((item) => item !== NO_VALUE);
  }
  if (typeof value !== "object" || value === null) return value;
  const entries = Object.entries(value);
  if (
    entries.length === 1 &&
    FUNCTION_KEYS.test(entries[0]![0]) &&
    !(entries[0]![0] === "Condition" && typeof entries[0]![1] !== "string")
  ) {
    return evaluateFunction(entries[0]![0], entries[0]![1], ctx);
  }
  const out: Record<string, unknown> = {};
  for (const [key, item] of entries) {
    const result = evaluate(item, ctx);
    if (result !== NO_VALUE) out[key] = result;
  }
  return out;
}

/** Outputs are strings on the wire; lists read as CloudFormation renders them, comma-joined. */
export function outputString(value: unknown): string {
  if (Array.isArray(value)) return value.map(String).join(",");
  if (typeof value === "object" && value !== null) return JSON.stringify(value);
  return String(value);
}
