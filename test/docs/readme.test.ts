import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { validateConfig } from "../../src/config/validate.js";
import { ENVIRONMENT_KINDS } from "../../src/core/environment.js";
import { readTemplate } from "../../src/templates/template-document.js";
import { readYaml } from "../../src/yaml/located-document.js";

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
