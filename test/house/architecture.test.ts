import { readdirSync, readFileSync, statSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { LAYERS } from "../../eslint.layers.js";

// The README's diagram, the lint rules and the tree must tell the same story: the lint rules are
// generated from LAYERS, and this test holds LAYERS to the tree and the README to LAYERS.
const readme = readFileSync("README.md", "utf8");

function architectureDiagram(): { name: string; paths: string[] }[] {
  const section = readme.split(/^## Architecture$/m)[1]?.split(/^## /m)[0] ?? "";
  const block = section.split("```text")[1]?.split("```")[0] ?? "";
  return block
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => /^[a-z]+\s+src\//.test(line))
    .map((line) => {
      const [name, ...paths] = line.split(/\s+/);
      return { name: name!, paths };
    });
}

describe("the layering", () => {
  it("places every folder and file of src/ in exactly one layer", () => {
    const entries = readdirSync("src").map((name) => `src/${name}`);
    const placed = LAYERS.flatMap((layer) => layer.paths);
    expect([...placed].sort()).toEqual([...new Set(placed)].sort());
    expect(entries.filter((entry) => !placed.includes(entry))).toEqual([]);
    expect(placed.filter((path) => !entries.includes(path))).toEqual([]);
    for (const path of placed) expect(statSync(path).isDirectory() || path.endsWith(".ts")).toBe(true);
  });

  it("is the README's diagram, top to bottom", () => {
    expect(architectureDiagram()).toEqual(LAYERS.map((layer) => ({ name: layer.name, paths: [...layer.paths] })));
  });

  it("names every package in the README", () => {
    const section = readme.split(/^## Architecture$/m)[1] ?? "";
    for (const name of readdirSync("packages")) expect(section).toContain(`packages/${name}`);
  });
});
