import { Pair, Scalar, YAMLMap, type Tags, type YAMLSeq } from "yaml";
import { readYaml, type LocatedDocument, type YamlParseResult, type YamlProblem } from "./located-document.js";
import { readYamlOffLoop, type OffLoopLimits } from "./off-loop.js";

/**
 * CloudFormation's YAML short forms (`!Ref X`, `!Sub "..."`, `!GetAtt A.B`) read into the long
 * forms (`{ Ref: X }`, `{ "Fn::Sub": ... }`, `{ "Fn::GetAtt": [A, B] }`), as CloudFormation does.
 */
const INTRINSICS = [
  "Base64",
  "Cidr",
  "FindInMap",
  "GetAZs",
  "ImportValue",
  "Join",
  "Select",
  "Split",
  "Sub",
  "Transform",
  "And",
  "Equals",
  "If",
  "Not",
  "Or",
  "ToJsonString",
  "Length",
  "GetAtt",
] as const;

function longName(short: string): string {
  return short === "Ref" || short === "Condition" ? short : `Fn::${short}`;
}

function intrinsicTags(): Tags {
  const tags: Tags = [];
  for (const short of ["Ref", "Condition", ...INTRINSICS]) {
    const key = longName(short);
    const wrap = (value: unknown) => ({ [key]: value });
    const scalar =
      short === "GetAtt"
        ? (value: string) => {
            const dot = value.indexOf(".");
            return wrap(dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)]);
          }
        : (value: string) => wrap(value);
    // A collection short form becomes a one-key mapping around the original node (not plain data),
    // so positions inside it survive and `locate([..., "Fn::If", 1, ...])` finds the line.
    const wrapNode = (node: YAMLMap | YAMLSeq) => {
      const name = new Scalar(key);
      name.range = node.range;
      const map = new YAMLMap();
      map.items.push(new Pair(name, node));
      return map;
    };
    tags.push({ tag: `!${short}`, resolve: scalar });
    tags.push({ tag: `!${short}`, collection: "seq", resolve: (seq) => wrapNode(seq as YAMLSeq) });
    tags.push({ tag: `!${short}`, collection: "map", resolve: (map) => wrapNode(map as YAMLMap) });
  }
  return tags;
}

const CFN_TAGS = intrinsicTags();

/** A CloudFormation template as data. Only the sections branchline reads are typed. */
export interface CfnTemplate {
  readonly AWSTemplateFormatVersion?: string;
  readonly Description?: string;
  readonly Parameters?: Record<string, CfnParameter>;
  readonly Conditions?: Record<string, unknown>;
  readonly Mappings?: Record<string, unknown>;
  readonly Resources: Record<string, CfnResource>;
  readonly Outputs?: Record<string, { readonly Value: unknown; readonly Condition?: string }>;
  readonly [section: string]: unknown;
}

export interface CfnParameter {
  readonly Type: string;
  readonly Default?: unknown;
  readonly AllowedValues?: readonly unknown[];
  readonly AllowedPattern?: string;
  readonly NoEcho?: boolean;
  readonly [key: string]: unknown;
}

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DependsOn?: string | readonly string[];
  readonly Condition?: string;
  readonly DeletionPolicy?: string;
  readonly [key: string]: unknown;
}

export type TemplateReadResult =
  | { readonly ok: true; readonly template: CfnTemplate; readonly source: LocatedDocument }
  | { readonly ok: false; readonly problems: readonly YamlProblem[] };

/** Reads a template (YAML or JSON) and checks only its outer shape; the spec check goes further. */
export function readTemplate(text: string): TemplateReadResult {
  return templateShape(readYaml(text, { customTags: CFN_TAGS }));
}

/** Up to this size a template is read on the event loop (CloudFormation's inline limit: milliseconds). */
export const ON_LOOP_TEMPLATE_BYTES = 51_200;

/**
 * readTemplate for a template a branch wrote, of any size up to what CloudFormation reads (1 MB):
 * a larger one is read on a worker thread with a time and memory limit (src/off-loop.ts), so
 * it never holds the event loop. The caller checks the size before.
 */
export async function readTemplateBounded(text: string, limits?: OffLoopLimits): Promise<TemplateReadResult> {
  if (Buffer.byteLength(text, "utf8") <= ON_LOOP_TEMPLATE_BYTES) return readTemplate(text);
  return templateShape(await readYamlOffLoop(text, { cloudFormation: true, ...(limits ? { limits } : {}) }));
}

function templateShape(parsed: YamlParseResult): TemplateReadResult {
  if (!parsed.ok) return parsed;
  const value = parsed.document.value;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return {
      ok: false,
      problems: [{ message: "a template must be a mapping of sections", position: { line: 1, column: 1 } }],
    };
  }
  const resources = (value as Record<string, unknown>).Resources;
  if (
    typeof resources !== "object" ||
    resources === null ||
    Array.isArray(resources) ||
    Object.keys(resources).length === 0
  ) {
    return {
      ok: false,
      problems: [
        {
          message: "a template needs a Resources section with at least one resource",
          position: parsed.document.locate(["Resources"]),
        },
      ],
    };
  }
  return { ok: true, template: value as CfnTemplate, source: parsed.document };
}
