import { ESLint } from "eslint";
import madge from "madge";
import { describe, expect, it } from "vitest";

// The layering in eslint.layers.js is only worth something if the linter refuses a wrong-way import:
// each case lints a file as if it sat at `filePath`, importing a real module of the tree.
const eslint = new ESLint({ cwd: process.cwd() });

async function importErrors(filePath: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath });
  return result!.messages
    .filter((m) => m.ruleId === "import-x/no-restricted-paths" || m.ruleId === "no-restricted-imports")
    .map((m) => m.message);
}

describe("the lint step keeps the layers", () => {
  it.each([
    [
      "core imports the engine",
      "src/core/wrong-way.ts",
      `import { Engine } from "../engine/engine.js";\nexport const e = Engine;\n`,
      /core layer does not import from src\/engine/,
    ],
    [
      "an adapter imports the report layer",
      "src/github/wrong-way.ts",
      `import { EnvironmentCheck } from "../report/environment-check.js";\nexport const e = EnvironmentCheck;\n`,
      /adapters layer does not import from src\/report/,
    ],
    [
      "the engine imports a webhook handler",
      "src/engine/wrong-way.ts",
      `import { onRefEvents } from "../webhooks/ref-events.js";\nexport const e = onRefEvents;\n`,
      /engine layer does not import from src\/webhooks/,
    ],
    [
      "the GitHub adapter imports the AWS adapter",
      "src/github/wrong-way.ts",
      `import { applyChangeSet } from "../aws/stacks.js";\nexport const e = applyChangeSet;\n`,
      /adapters side by side/,
    ],
    [
      "the web view imports the CLI",
      "src/web/wrong-way.ts",
      `import { runPass } from "../cli/gc-pass.js";\nexport const e = runPass;\n`,
      /nothing imports the CLI/,
    ],
    [
      "the engine starts the emulator",
      "src/engine/wrong-way.ts",
      `import { startEmulator } from "@branchline/aws-emulator";\nexport const e = startEmulator;\n`,
      /only the sandbox/,
    ],
    [
      "the emulator imports the app",
      "packages/aws-emulator/src/wrong-way.ts",
      `import { Engine } from "../../../src/engine/engine.js";\nexport const e = Engine;\n`,
      /imports nothing of the app/,
    ],
  ])("refuses: %s", async (_case, filePath, source, message) => {
    const errors = await importErrors(filePath, source);
    expect(errors.join("\n")).toMatch(message);
  });

  it.each([
    [
      "the engine imports core",
      "src/engine/right-way.ts",
      `import { repositoryFullName } from "../core/environment.js";\nexport const e = repositoryFullName;\n`,
    ],
    [
      "the report layer imports the GitHub adapter",
      "src/report/right-way.ts",
      `import { Outbox } from "../github/outbox.js";\nexport const e = Outbox;\n`,
    ],
    [
      "the sandbox starts the emulator",
      "src/start-app.ts",
      `import { startEmulator } from "@branchline/aws-emulator";\nexport const e = startEmulator;\n`,
    ],
  ])("allows: %s", async (_case, filePath, source) => {
    expect(await importErrors(filePath, source)).toEqual([]);
  });
});

describe("the import graph has no cycles", () => {
  it("finds a deliberate cycle, type-only imports included", async () => {
    const graph = await madge("test/fixtures/lint/cycle", { fileExtensions: ["ts"] });
    expect(graph.circular()).toEqual([["first.ts", "second.ts"]]);
  });

  it("finds none in the app or the packages", async () => {
    const graph = await madge(["src", "packages"], {
      fileExtensions: ["ts"],
      tsConfig: "tsconfig.json",
      excludeRegExp: [/\/dist\//, /node_modules/],
    });
    expect(graph.circular()).toEqual([]);
  });
});
