import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { configJsonSchema, JSON_SCHEMA_FILE, JSON_SCHEMA_URL } from "../../src/config/json-schema.js";
import { validateConfig } from "../../src/config/validate.js";
import { ENVIRONMENT_KINDS, type Environment } from "../../src/core/environment.js";
import { environmentNames } from "../../src/core/naming.js";
import { stackInputs } from "../../src/core/stack-inputs.js";
import { parametersFor } from "../../src/config/schema.js";
import { readTemplate, readYaml } from "@branchline/cloudformation-template";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
const guide = readFileSync(new URL("../../docs/getting-started.md", import.meta.url), "utf8");
const pipeline = readTemplate(readFileSync(new URL("../../templates/pipeline.yml", import.meta.url), "utf8"));

/** The YAML blocks of a markdown document that are a branchline config (they set `parameters`). */
function configExamples(markdown: string): string[] {
  return [...markdown.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((block) => /^parameters:/m.test(block));
}

describe.each([
  ["README.md", readme],
  ["docs/getting-started.md", guide],
])("the config examples in %s", (_name, markdown) => {
  const examples = configExamples(markdown);

  it("exist", () => {
    expect(examples.length).toBeGreaterThan(0);
  });

  it("are valid configs", () => {
    for (const example of examples) {
      const parsed = readYaml(example);
      expect(parsed.ok).toBe(true);
      const validation = validateConfig(parsed.ok ? parsed.document.value : null);
      expect(validation.ok ? [] : validation.problems).toEqual([]);
    }
  });

  it("give values templates/pipeline.yml accepts, for every environment kind", () => {
    const text = readFileSync(new URL("../../templates/pipeline.yml", import.meta.url), "utf8");
    for (const example of examples) {
      const parsed = readYaml(example);
      const validation = validateConfig(parsed.ok ? parsed.document.value : null);
      if (!validation.ok || !pipeline.ok) continue;
      for (const kind of ENVIRONMENT_KINDS) {
        const environment: Environment = kind === "branch" ? { kind, branch: "feature/x" } : kind === "staging" ? { kind, branch: "main" } : { kind, tag: "v1.0.0" };
        const repo = { owner: "octo-org", name: "shop" };
        const built = stackInputs({ repo, environment, names: environmentNames(validation.config.stackPrefix, repo, environment), sourceBranch: "main", templateBody: text, template: pipeline.template, configuredParameters: parametersFor(validation.config, kind), roleArn: undefined });
        expect(built.ok ? [] : built.problems.filter((p) => p.kind !== "missing")).toEqual([]);
      }
    }
  });

  it("set only parameters templates/pipeline.yml declares", () => {
    expect(pipeline.ok).toBe(true);
    const declared = Object.keys(pipeline.ok ? (pipeline.template.Parameters ?? {}) : {});
    for (const example of examples) {
      const parsed = readYaml(example);
      const validation = validateConfig(parsed.ok ? parsed.document.value : null);
      if (!validation.ok) continue;
      for (const kind of ["all", ...ENVIRONMENT_KINDS] as const) {
        for (const name of Object.keys(validation.config.parameters[kind])) expect(declared).toContain(name);
      }
    }
  });
});

describe("README", () => {
  it("opens with the two set-up commands", () => {
    const head = readme.slice(0, 1500);
    expect(head).toContain("npm ci && npm start");
    expect(head).toContain("npm ci && npm test");
  });
});

describe("the config's JSON Schema", () => {
  it("is the one generated from the zod schema (npm run schema writes it)", () => {
    const shipped = JSON.parse(readFileSync(new URL("../../branchline.schema.json", import.meta.url), "utf8")) as unknown;
    expect(shipped).toEqual(configJsonSchema());
  });

  it("is named in the README with the yaml-language-server line, and the full example starts with it", () => {
    const line = `# yaml-language-server: $schema=${JSON_SCHEMA_URL}`;
    expect(readme).toContain(`\`\`\`yaml\n${line}\n\`\`\``);
    expect(configExamples(readme)[0]!.startsWith(`${line}\n`)).toBe(true);
    expect(JSON_SCHEMA_URL.endsWith(`/${JSON_SCHEMA_FILE}`)).toBe(true);
  });

  it("describes what the config accepts: the README's example passes, a typo does not", () => {
    const schema = configJsonSchema() as { properties: Record<string, unknown>; additionalProperties?: unknown };
    expect(schema.additionalProperties).toBe(false);
    for (const field of Object.keys(validateConfig({}).ok ? (validateConfig({}) as { config: object }).config : {})) expect(Object.keys(schema.properties)).toContain(field);
    expect(Object.keys(schema.properties)).toContain("_extends");
  });
});
