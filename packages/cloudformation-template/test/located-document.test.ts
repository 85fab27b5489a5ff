import { describe, expect, it } from "vitest";
import { readYaml, type LocatedDocument, type PathSegment, type SourcePosition } from "../src/located-document.js";

function read(text: string): LocatedDocument {
  const result = readYaml(text);
  if (!result.ok) throw new Error(`expected YAML to read: ${JSON.stringify(result.problems)}`);
  return result.document;
}

const CONFIG = [
  "# branchline config", // 1
  "template: ci/pipeline.yml", // 2
  "branches:", // 3
  "  include:", // 4
  "    - feature/**", // 5
  "    - fix/**", // 6
  "  exclude: wip/**", // 7
  "parameters:", // 8
  "  all:", // 9
  "    Port: 8080", // 10
  "    Enabled: true", // 11
  "  staging: { Size: large }", // 12
  "releaseTags: [v*, release-*]", // 13
  "",
].join("\n");

describe("readYaml: values", () => {
  it("reads the document as plain data", () => {
    expect(read(CONFIG).value).toEqual({
      template: "ci/pipeline.yml",
      branches: { include: ["feature/**", "fix/**"], exclude: "wip/**" },
      parameters: { all: { Port: 8080, Enabled: true }, staging: { Size: "large" } },
      releaseTags: ["v*", "release-*"],
    });
  });

  it.each<[string, unknown]>([
    ["", null],
    ["# only a comment\n", null],
    ["just a string", "just a string"],
    ["- a\n- b\n", ["a", "b"]],
    ['{"json": [1, true, null, "x"]}', { json: [1, true, null, "x"] }],
    ["anchor: &a {x: 1}\nref: *a\n", { anchor: { x: 1 }, ref: { x: 1 } }],
  ])("%j → %j", (text, value) => {
    expect(read(text).value).toEqual(value);
  });
});

describe("readYaml: positions", () => {
  const doc = read(CONFIG);
  it.each<[PathSegment[], SourcePosition]>([
    [["template"], { line: 2, column: 1 }],
    [["branches"], { line: 3, column: 1 }],
    [["branches", "include"], { line: 4, column: 3 }],
    [["branches", "include", 0], { line: 5, column: 7 }],
    [["branches", "include", 1], { line: 6, column: 7 }],
    [["branches", "exclude"], { line: 7, column: 3 }],
    [["parameters", "all", "Port"], { line: 10, column: 5 }],
    [["parameters", "all", "Enabled"], { line: 11, column: 5 }],
    [["parameters", "staging", "Size"], { line: 12, column: 14 }],
    [["releaseTags"], { line: 13, column: 1 }],
    [["releaseTags", 1], { line: 13, column: 19 }],
  ])("%j is at %j (the key, or the item)", (path, position) => {
    expect(doc.locate(path)).toEqual(position);
  });

  it.each<[PathSegment[], SourcePosition]>([
    [["branches", "include", 7], { line: 4, column: 3 }],
    [["branches", "missing"], { line: 3, column: 1 }],
    [["parameters", "production", "Size"], { line: 8, column: 1 }],
    [["parameters", "all", "Port", "deeper"], { line: 10, column: 5 }],
    [["template", 0], { line: 2, column: 1 }],
    [["releaseTags", "name"], { line: 13, column: 1 }],
  ])("a missing %j points at its nearest ancestor's key %j", (path, position) => {
    expect(doc.locate(path)).toEqual(position);
  });

  it("a missing top-level field and the root point at the document's start", () => {
    expect(doc.locate(["nope"])).toEqual({ line: 2, column: 1 });
    expect(doc.locate([])).toEqual({ line: 2, column: 1 });
  });

  it("an empty document locates everything at 1:1", () => {
    expect(read("").locate(["a", 0])).toEqual({ line: 1, column: 1 });
  });

  it("finds items of nested sequences of mappings", () => {
    const text = "stages:\n  - name: Source\n    actions:\n      - name: Checkout\n      - name: Tests\n";
    const nested = read(text);
    expect(nested.locate(["stages", 0, "actions", 1])).toEqual({ line: 5, column: 9 });
    expect(nested.locate(["stages", 0, "actions", 1, "name"])).toEqual({ line: 5, column: 9 });
    expect(nested.locate(["stages", 0, "actions"])).toEqual({ line: 3, column: 5 });
  });

  it("counts lines in JSON too", () => {
    const json = read('{\n  "a": {\n    "b": [\n      1,\n      2\n    ]\n  }\n}\n');
    expect(json.locate(["a", "b", 1])).toEqual({ line: 5, column: 7 });
    expect(json.locate(["a", "b"])).toEqual({ line: 3, column: 5 });
  });

  it("counts Windows line endings as lines", () => {
    expect(read("a: 1\r\nb:\r\n  c: 2\r\n").locate(["b", "c"])).toEqual({ line: 3, column: 3 });
  });
});

describe("readYaml: problems", () => {
  it.each<[string, string, SourcePosition, RegExp]>([
    ["a duplicate key", "a: 1\nb: 2\na: 3\n", { line: 3, column: 1 }, /unique/i],
    ["a nested duplicate key", "a:\n  x: 1\n  x: 2\n", { line: 3, column: 3 }, /unique/i],
    ["an unclosed flow sequence", "a: [1, 2\nb: 3\n", { line: 2, column: 1 }, /\]/],
    ["a nested mapping on one line", "a:\n  b: : c\n", { line: 2, column: 6 }, /mapping/i],
    ["bad indentation", "a:\n  b: 1\n c: 2\n", { line: 3, column: 1 }, /mapping items must start at the same column/i],
    ["a tab for indentation", "a:\n\tb: 1\n", { line: 2, column: 1 }, /tab/i],
  ])("%s is refused with its position", (_, text, position, message) => {
    const result = readYaml(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems[0]?.position).toEqual(position);
    expect(result.problems[0]?.message).toMatch(message);
    for (const problem of result.problems) expect(problem.message).not.toContain("\n");
  });

  it("refuses an alias to an anchor that does not exist", () => {
    const result = readYaml("a: 1\nb: *nothing\n");
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems[0]?.message).toMatch(/alias.*nothing/i);
  });

  it("refuses an alias bomb (billion laughs) quickly instead of expanding it", () => {
    const levels = "abcdefghi";
    let text = `a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n`;
    for (let i = 1; i < levels.length; i++) {
      const prev = levels[i - 1];
      text += `${levels[i]}: &${levels[i]} [${Array(9).fill(`*${prev}`).join(",")}]\n`;
    }
    const started = performance.now();
    const result = readYaml(text);
    const elapsed = performance.now() - started;
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems[0]?.message).toMatch(/alias/i);
    // Expanded, this is 9^9 strings; refused, it is a few milliseconds. The bound is only a guard.
    expect(elapsed).toBeLessThan(2000);
  });

  it("allows a handful of aliases", () => {
    const text = "base: &base {x: 1}\n" + Array.from({ length: 20 }, (_, i) => `k${i}: *base\n`).join("");
    expect(readYaml(text).ok).toBe(true);
  });

  it("honours a stricter alias bound", () => {
    const text = "base: &base {x: 1}\none: *base\ntwo: *base\n";
    expect(readYaml(text, { maxAliasCount: 0 }).ok).toBe(false);
  });
});
