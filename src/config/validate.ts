import type { z } from "zod";
import { configSchema, type BranchlineConfig } from "./schema.js";
import type { PathSegment } from "@branchline/cloudformation-template";

/** One thing wrong with a config file: the field, and what to do about it. */
export interface ConfigProblem {
  readonly path: readonly PathSegment[];
  readonly message: string;
}

export type ConfigValidation =
  | { readonly ok: true; readonly config: BranchlineConfig }
  | { readonly ok: false; readonly problems: readonly ConfigProblem[] };

/**
 * A config file as written, for the app and the CLI alike: `_extends` (which Probot's loader resolves
 * before the app sees the file, and which the CLI offline cannot) is taken out and returned, then the
 * rest is checked against the schema.
 */
export function validateConfigFile(raw: unknown): ConfigValidation & { readonly extends?: string } {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw) || !Object.hasOwn(raw, "_extends"))
    return validateConfig(raw);
  const { _extends: base, ...rest } = raw as Record<string, unknown>;
  if (typeof base !== "string" || base.trim() === "") {
    return {
      ok: false,
      problems: [
        {
          path: ["_extends"],
          message: "the config to extend: `repo` (same owner), `owner/repo` or `owner/repo:path/to/file.yml`",
        },
      ],
    };
  }
  const validation = validateConfig(rest);
  return { ...validation, extends: base };
}

export function validateConfig(raw: unknown): ConfigValidation {
  const result = configSchema.safeParse(raw ?? {});
  if (result.success) return { ok: true, config: result.data };
  return { ok: false, problems: result.error.issues.flatMap(describeIssue) };
}

function describeIssue(issue: z.core.$ZodIssue): ConfigProblem[] {
  const path = issue.path.filter((p): p is PathSegment => typeof p !== "symbol");
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => ({
      path: [...path, key],
      message: `unknown field "${key}"; check its spelling against the config reference in the README`,
    }));
  }
  if (issue.code === "invalid_union") {
    // Report the shape the value came closest to: the branch that failed on more than its type.
    const closest = issue.errors.find((branch) =>
      branch.some((inner) => inner.code !== "invalid_type" || inner.path.length > 0),
    );
    if (closest) return closest.flatMap((inner) => describeIssue({ ...inner, path: [...issue.path, ...inner.path] }));
  }
  if (issue.code === "invalid_key") {
    return [{ path, message: issue.issues[0]?.message ?? issue.message }];
  }
  return [{ path, message: issue.message }];
}

/** `branches.include[2]`: how a reader finds the field. */
export function fieldName(path: readonly PathSegment[]): string {
  return path.reduce<string>(
    (name, segment) => (typeof segment === "number" ? `${name}[${segment}]` : name ? `${name}.${segment}` : segment),
    "",
  );
}
