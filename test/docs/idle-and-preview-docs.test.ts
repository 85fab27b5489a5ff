import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { idleRules } from "../../src/config/schema.js";
import { validateConfig } from "../../src/config/validate.js";
import { decideIdle, KEEP_LABEL, type IdleEnvironment } from "../../src/core/idle-policy.js";
import { HIBERNATE_PARAMETER } from "../../src/core/parameters.js";
import { readYaml } from "@branchline/cloudformation-template";

/**
 * The README's examples of idle environments and the staging preview, held to what the code does:
 * the timeline example is replayed through the policy, the options the examples use are the ones
 * the schema has, and the names the text gives (label, parameter, setting) are the code's.
 */
const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

function block(language: string): string {
  const found = new RegExp("```" + language + "\\n([\\s\\S]*?)```").exec(readme);
  expect(found, `a \`\`\`${language} block in README.md`).not.toBeNull();
  return found![1]!;
}

/** `config:` then YAML, then `when: event` lines of `<ISO time>  <what>`. */
function timeline(text: string): { config: string; lines: { at: Date; what: string }[] } {
  const [config = "", events = ""] = text.split(/^# timeline\n/m);
  const lines = events.split("\n").filter((l) => l.trim() !== "").map((line) => {
    const [, at = "", what = ""] = /^(\S+)\s+(.*)$/.exec(line) ?? [];
    return { at: new Date(at), what };
  });
  return { config, lines };
}

const env = (over: Partial<IdleEnvironment>): IdleEnvironment => ({
  stackName: "s",
  branch: "feature/x",
  createdAt: new Date(0),
  lastPushAt: new Date(0),
  lastRunCommit: "a",
  head: "a",
  busy: false,
  canHibernate: false,
  hibernated: false,
  keepLabel: false,
  openPullRequest: true,
  warnedAt: null,
  keptAt: null,
  ...over,
});

describe("the README's idle environment timeline", () => {
  const { config, lines } = timeline(block("yaml idle-timeline"));

  it("is a valid config", () => {
    const parsed = readYaml(config);
    const validation = validateConfig(parsed.ok ? parsed.document.value : null);
    expect(validation.ok ? [] : validation.problems).toEqual([]);
  });

  it("happens as the policy decides it, label change included", () => {
    const parsed = readYaml(config);
    const validation = validateConfig(parsed.ok ? parsed.document.value : null);
    if (!validation.ok) throw new Error("invalid");
    const rules = idleRules(validation.config);
    const find = (what: RegExp) => {
      const line = lines.find((l) => what.test(l.what));
      expect(line, `a line matching ${what}`).toBeDefined();
      return line!.at;
    };
    const push = find(/^push/);
    const off = find(/label comes off/);
    const warned = find(/^warning/);
    const ended = find(/^torn down/);
    let state = env({ lastPushAt: push, createdAt: push });
    // Before the label change, the push's own clock would have warned earlier: the label moved it.
    state = { ...state, keptAt: off };
    expect(decideIdle(state, rules, new Date(warned.getTime() - 60_000)).kind).toBe("active");
    expect(decideIdle(state, rules, warned).kind).toBe("warn");
    state = { ...state, warnedAt: warned };
    expect(decideIdle(state, rules, new Date(ended.getTime() - 60_000)).kind).toBe("warned");
    expect(decideIdle(state, rules, ended)).toMatchObject({ kind: "end", then: "teardown" });
  });
});

describe("the names the README gives", () => {
  it("are the code's: the keep label, the hibernate parameter, the test-only clock setting", () => {
    expect(readme).toContain(`\`${KEEP_LABEL}\``);
    expect(readme).toContain(`\`${HIBERNATE_PARAMETER}\``);
    expect(readme).toMatch(/\| `BRANCHLINE_TEST_CLOCK_FILE` \| — \| \*\*tests only, refused with `NODE_ENV=production`\*\*/);
  });

  it("list every branches and preview option in the options table", () => {
    for (const option of ["branches.ttl", "branches.keepOpenPullRequests", "branches.maxEnvironments", "preview.requireAcknowledgement", "preview.applicationTemplate"]) {
      expect(readme).toMatch(new RegExp(`^\\| \`${option.replace(".", "\\.")}\` \\|`, "m"));
    }
    // And the schema takes nothing else under them that the table leaves out.
    const parsed = validateConfig({ branches: { ttl: "7d", keepOpenPullRequests: true, maxEnvironments: 3 }, preview: { requireAcknowledgement: true, applicationTemplate: "template.yml" } });
    expect(parsed.ok).toBe(true);
    expect(validateConfig({ preview: { applicationTemplates: "template.yml" } }).ok).toBe(false);
  });
});
