import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readTemplate, readTemplateBounded } from "../src/template-document.js";
import { readYamlOffLoop } from "../src/off-loop.js";

// The app's small pipeline fixture (test/fixtures/templates/small-pipeline.yml), copied: the package's tests read nothing outside it.
const TEMPLATE = readFileSync(new URL("./fixtures/small-pipeline.yml", import.meta.url), "utf8");

/** The fixture template grown past the on-loop size with metadata, so the worker reads it. */
function large(extra = ""): string {
  let metadata = "";
  for (let i = 0; metadata.length < 80_000; i++) metadata += `      Key${i}: value ${i}\n`;
  return TEMPLATE.replace(
    "  ArtifactBucket:\n    Type: AWS::S3::Bucket\n",
    `  ArtifactBucket:\n    Type: AWS::S3::Bucket\n    Metadata:\n${metadata}${extra}`,
  );
}

describe("reading a large template off the event loop", () => {
  it("gives the same template and the same positions as reading it on the loop", async () => {
    const text = large();
    const onLoop = readTemplate(text);
    const offLoop = await readTemplateBounded(text);
    expect(onLoop.ok && offLoop.ok).toBe(true);
    if (!onLoop.ok || !offLoop.ok) return;
    expect(offLoop.template).toEqual(onLoop.template);
    for (const path of [
      ["Parameters", "ConnectionArn"],
      ["Resources", "Pipeline", "Properties", "Stages", 1, "Actions", 0],
      ["Outputs", "PipelineName", "Value"],
      ["Resources", "Nope", "Deeper"],
    ]) {
      expect(offLoop.source.locate(path)).toEqual(onLoop.source.locate(path));
    }
  });

  it("names the line of a repeated key, and of a syntax error", async () => {
    const duplicated = await readTemplateBounded(large("      Key7: again\n"));
    expect(duplicated.ok).toBe(false);
    if (!duplicated.ok) expect(duplicated.problems[0]).toMatchObject({ message: "Map keys must be unique" });
    const onLoop = readTemplate(large("      Key7: again\n"));
    if (!onLoop.ok && !duplicated.ok) expect(duplicated.problems[0]!.position).toEqual(onLoop.problems[0]!.position);
  });

  it("refuses a document over its time or memory limit instead of hanging", async () => {
    const aliases = `a: &a [${"x,".repeat(50)}x]\nb: &b [${"*a,".repeat(50)}*a]\nc: &c [${"*b,".repeat(50)}*b]\nd: [${"*c,".repeat(50)}*c]\n`;
    const bomb = await readYamlOffLoop(aliases, {
      cloudFormation: false,
      limits: { timeoutMs: 10_000, maxMemoryMb: 64, maxAliasCount: 100 },
    });
    expect(bomb.ok).toBe(false);
    const slow = await readYamlOffLoop(large(), {
      cloudFormation: true,
      limits: { timeoutMs: 1, maxMemoryMb: 64, maxAliasCount: 100 },
    });
    expect(slow).toMatchObject({ ok: false, problems: [{ message: expect.stringContaining("took longer than") }] });
  });
});
