import { monitorEventLoopDelay } from "node:perf_hooks";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { afterEach, beforeEach, expect, it } from "vitest";
import { templateStore } from "../../src/aws/template-store.js";
import { mutationCount } from "../support/aws.js";
import { pushToBranch } from "../support/payloads.js";
import {
  A,
  B,
  C,
  closeScene,
  openScene,
  givenRepository,
  TEMPLATE,
  TEMPLATE_PATH,
  type Scene,
} from "../support/scenario.js";

/**
 * Point 4: one branch's template must not stall the app. The template is under CloudFormation's
 * 1 MB S3 limit and a template bucket is configured, so branchline reads it; 40,000 keys made the
 * duplicate-key check quadratic (30 s of a blocked event loop on the machine the review used).
 */
let scene: Scene;
beforeEach(async () => {
  scene = await openScene(async (aws) => {
    await aws.clients.s3.send(new CreateBucketCommand({ Bucket: "branchline-templates" }));
    return { templates: templateStore("branchline-templates", aws.emulator.region, aws.emulator.url) };
  });
});
afterEach(() => closeScene(scene));

function manyKeys(count: number, extra = ""): string {
  const keys: string[] = [];
  for (let i = 0; i < count; i++) keys.push(`      k${i}: v\n`);
  return TEMPLATE.replace(
    "  ArtifactBucket:\n    Type: AWS::S3::Bucket\n",
    `  ArtifactBucket:\n    Type: AWS::S3::Bucket\n    Metadata:\n${keys.join("")}${extra}`,
  );
}

/** Another repository's pushes, acknowledged one after another while `work` runs: how late the loop ran. */
async function whileAcknowledging(work: Promise<unknown>): Promise<{ maxDelayMs: number; acks: number }> {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let done = false;
  let acks = 0;
  void work.finally(() => (done = true));
  while (!done) {
    await scene.app.deliver("push", pushToBranch("feature/y", C, { repo: "web" }));
    acks++;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await work;
  delay.disable();
  return { maxDelayMs: delay.max / 1e6, acks };
}

it("reads a 40,000-key template off the event loop: other repositories' webhooks are acknowledged as fast as with an ordinary one", async () => {
  const { github, app } = scene;
  givenRepository(github, { commits: [A] });
  github.model.repository("octo-org", "web");
  // A duplicate at the very end: only a complete duplicate check finds it.
  const hostile = manyKeys(40_000, "      k0: again\n");
  expect(hostile.length).toBeLessThan(1_000_000);
  github.file(B, TEMPLATE_PATH, hostile);

  const baseline = await whileAcknowledging(
    app.deliver("push", pushToBranch("feature/ordinary", A, { created: true })).then(() => app.settle()),
  );
  const attack = await whileAcknowledging(
    app.deliver("push", pushToBranch("feature/evil", B, { created: true })).then(() => app.settle()),
  );

  const check = github.checkRunsFor(B).find((c) => c.name === "branchline: branch/feature/evil")!;
  expect(check).toMatchObject({ conclusion: "failure" });
  expect(check.output.summary).toContain("Map keys must be unique");
  expect(check.output.summary).toMatch(/pipeline\.yml:40\d{3}:7/);
  expect(attack.acks).toBeGreaterThan(0);
  // Compared with the same process doing ordinary work a moment before, not with a clock: a loaded
  // machine delays both; the quadratic check held the loop for tens of seconds.
  expect(attack.maxDelayMs).toBeLessThan(10 * Math.max(baseline.maxDelayMs, 100));
});

it("refuses a template over CloudFormation's 1 MB before reading it", async () => {
  const { aws, github, app } = scene;
  givenRepository(github, { commits: [A] });
  github.file(B, TEMPLATE_PATH, manyKeys(150_000));
  aws.emulator.control.resetCalls();

  await app.deliver("push", pushToBranch("feature/huge", B, { created: true }));
  await app.settle();

  const check = github.checkRunsFor(B).find((c) => c.name === "branchline: branch/feature/huge")!;
  expect(check.output.title).toBe("Pipeline template is too large");
  // Reads only (a renamed repository's stack is looked for); nothing is made.
  expect(mutationCount(aws, "cloudformation")).toBe(0);
});
