import { OPENAPI } from "../../src/web/openapi.js";

type Schema = Record<string, unknown>;

/**
 * Checks a value against a schema of the API's OpenAPI description: the JSON Schema subset it uses
 * (type, with null; properties and required; items; enum; oneOf; $ref). Returns the problems, each
 * with the path where it is; none means the value conforms. Unknown properties are problems too, so
 * the description cannot fall behind what the API sends.
 */
export function conformanceProblems(value: unknown, schema: Schema, path = "$"): string[] {
  if (typeof schema.$ref === "string") return conformanceProblems(value, resolve(schema.$ref), path);
  if (Array.isArray(schema.oneOf)) {
    const matching = (schema.oneOf as Schema[]).filter((s) => conformanceProblems(value, s, path).length === 0);
    return matching.length === 1 ? [] : [`${path}: matches ${matching.length} of oneOf`];
  }
  if (Array.isArray(schema.enum))
    return (schema.enum as unknown[]).includes(value)
      ? []
      : [`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`];
  const types =
    schema.type === undefined ? [] : Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
  if (types.length > 0 && !types.some((t) => typeMatches(value, t)))
    return [`${path}: ${JSON.stringify(value)?.slice(0, 80)} is not ${types.join(" or ")}`];
  const problems: string[] = [];
  if (Array.isArray(value) && schema.items)
    value.forEach((item, i) => problems.push(...conformanceProblems(item, schema.items as Schema, `${path}[${i}]`)));
  if (value !== null && typeof value === "object" && !Array.isArray(value) && schema.properties) {
    const properties = schema.properties as Record<string, Schema>;
    for (const key of (schema.required as string[] | undefined) ?? [])
      if (!(key in value)) problems.push(`${path}.${key}: missing`);
    for (const [key, item] of Object.entries(value)) {
      if (!(key in properties)) problems.push(`${path}.${key}: not in the description`);
      else problems.push(...conformanceProblems(item, properties[key]!, `${path}.${key}`));
    }
  }
  return problems;
}

/** The response schema the description gives for a path template, method and status. */
export function responseSchema(template: string, method: "get" | "post", status: number): Schema {
  const operation = (
    OPENAPI.paths as Record<
      string,
      Record<string, { responses: Record<string, { content?: Record<string, { schema: Schema }> }> }>
    >
  )[template]?.[method];
  const schema = operation?.responses[String(status)]?.content?.["application/json"]?.schema;
  if (!schema)
    throw new Error(`the OpenAPI description has no JSON response for ${method.toUpperCase()} ${template} ${status}`);
  return schema;
}

function resolve(ref: string): Schema {
  const name = ref.replace("#/components/schemas/", "");
  const schema = (OPENAPI.components.schemas as Record<string, Schema>)[name];
  if (!schema) throw new Error(`no schema ${name}`);
  return schema;
}

function typeMatches(value: unknown, type: string): boolean {
  switch (type) {
    case "null":
      return value === null;
    case "integer":
      return Number.isInteger(value);
    case "array":
      return Array.isArray(value);
    case "object":
      return value !== null && typeof value === "object" && !Array.isArray(value);
    default:
      return typeof value === type;
  }
}
