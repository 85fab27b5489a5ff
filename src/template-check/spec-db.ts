import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { promisify } from "node:util";
import { gunzip } from "node:zlib";

/**
 * The CloudFormation resource specification, as far as the template check needs it: resource
 * types with their properties and attributes, and the property types they use.
 *
 * Source: the database of `@aws-cdk/aws-service-spec` (the current CloudFormation registry schemas,
 * V2 pipelines included). We read its `db.json.gz` directly instead of calling `loadAwsServiceSpec()`:
 * that builds tskb indexes over every entity (metrics, events, regions) we never query, and the
 * gzip + JSON.parse of the file is the whole cost we have to pay anyway (~0.5 s). Loaded lazily, once
 * per process.
 */

export type SpecType =
  | { readonly type: "string" | "number" | "integer" | "boolean" | "date-time" | "json" | "tag" | "null" }
  | { readonly type: "array" | "map"; readonly element: SpecType }
  | { readonly type: "ref"; readonly reference: { readonly $ref: string } }
  | { readonly type: "union"; readonly types: readonly SpecType[] };

export interface SpecProperty {
  readonly type: SpecType;
  readonly required?: boolean;
  /** Older shapes CloudFormation still accepts. */
  readonly previousTypes?: readonly SpecType[];
}

export interface SpecPropertyBag {
  readonly name: string;
  readonly properties: Readonly<Record<string, SpecProperty>>;
}

export interface SpecResource extends SpecPropertyBag {
  readonly cloudFormationType: string;
  readonly attributes: Readonly<Record<string, unknown>>;
}

export interface ResourceSpec {
  resource(cloudFormationType: string): SpecResource | undefined;
  /** A property type (a `ref` target) by id. */
  typeDefinition(id: string): SpecPropertyBag | undefined;
  resourceTypes(): readonly string[];
}

interface RawEntities<T> {
  readonly entities: readonly T[];
}

interface RawDb {
  readonly schema: {
    readonly resource: RawEntities<SpecResource & { readonly $id: string }>;
    readonly typeDefinition: RawEntities<SpecPropertyBag & { readonly $id: string }>;
  };
}

let cached: Promise<ResourceSpec> | undefined;

/** The specification, loaded on first use and shared by every later caller in the process. */
export function loadResourceSpec(): Promise<ResourceSpec> {
  cached ??= readSpec().catch((error: unknown) => {
    cached = undefined; // let a later call try again
    throw error;
  });
  return cached;
}

async function readSpec(): Promise<ResourceSpec> {
  const require = createRequire(import.meta.url);
  const file = require.resolve("@aws-cdk/aws-service-spec/db.json.gz");
  const json = (await promisify(gunzip)(await readFile(file))).toString("utf8");
  return indexSpec(JSON.parse(json) as RawDb);
}

/** Builds the lookups from the raw database; exported for tests that bring a small database. */
export function indexSpec(db: RawDb): ResourceSpec {
  const resources = new Map<string, SpecResource>();
  for (const r of db.schema.resource.entities) {
    resources.set(r.cloudFormationType, {
      name: r.name,
      cloudFormationType: r.cloudFormationType,
      properties: r.properties ?? {},
      attributes: r.attributes ?? {},
    });
  }
  const types = new Map<string, SpecPropertyBag>();
  for (const t of db.schema.typeDefinition.entities) types.set(t.$id, { name: t.name, properties: t.properties ?? {} });
  const names = [...resources.keys()].sort();
  return {
    resource: (type) => resources.get(type),
    typeDefinition: (id) => types.get(id),
    resourceTypes: () => names,
  };
}
