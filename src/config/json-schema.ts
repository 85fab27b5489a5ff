import { z } from "zod";
import { configSchema } from "./schema.js";

/** Where the schema is shipped, in the repository and in the package. */
export const JSON_SCHEMA_FILE = "branchline.schema.json";
export const JSON_SCHEMA_URL = "https://raw.githubusercontent.com/branchline/branchline/main/branchline.schema.json";

/**
 * The JSON Schema of `.github/branchline.yml`, generated from the zod schema the app and the CLI
 * validate with, so editors (yaml-language-server) complete and check the same fields. It describes
 * what may be written (zod's input side: `releaseTags: v*` as well as a list), plus `_extends`,
 * which Probot's config loader reads before the schema sees the file.
 */
export function configJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(configSchema, { io: "input", target: "draft-2020-12" }) as Record<string, unknown>;
  const properties = (generated.properties ?? {}) as Record<string, unknown>;
  return {
    $schema: generated.$schema,
    $id: JSON_SCHEMA_URL,
    title: "branchline repository configuration (.github/branchline.yml)",
    ...generated,
    properties: {
      _extends: {
        type: "string",
        minLength: 1,
        description:
          "Another repository's config to start from: `repo` (same owner), `owner/repo`, or `owner/repo:path/to/file.yml`; this file's fields win.",
      },
      ...properties,
    },
  };
}
