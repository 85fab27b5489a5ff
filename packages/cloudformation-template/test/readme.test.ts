import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const README = readFileSync(`${ROOT}README.md`, "utf8");

describe("README.md", () => {
  it(
    "its example runs against the built package (imported by name) and prints what the README says",
    { timeout: 120_000 },
    () => {
      const example = /```js\n([\s\S]*?)```/.exec(README)?.[1];
      const prints = /Prints:\n\n```text\n([\s\S]*?)```/.exec(README)?.[1];
      expect(example && prints).toBeTruthy();
      // The example imports the package as a user does, so Node reads dist/ (tsc -b: a no-op when it is up to date).
      const builder = ts.createSolutionBuilder(ts.createSolutionBuilderHost(), [`${ROOT}tsconfig.json`], {});
      expect(builder.build()).toBe(ts.ExitStatus.Success);
      // Evaluated from the package's folder, the bare specifier resolves to the package itself (its exports).
      const out = execFileSync(process.execPath, ["--input-type=module"], {
        cwd: ROOT,
        input: example,
        encoding: "utf8",
      });
      expect(out).toBe(prints);
    },
  );
});
