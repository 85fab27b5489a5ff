import { afterEach, beforeEach, expect, it } from "vitest";
import { allStacks, pinnedCommits, tagsOf } from "../support/aws.js";
import { pushToBranch } from "../support/payloads.js";
import {
  A,
  B,
  closeScene,
  givenRepository,
  openScene,
  pipelineOf,
  TEMPLATE,
  TEMPLATE_PATH,
  type Scene,
} from "../support/scenario.js";

/**
 * Point 1: a branch's template must not choose which pipeline runs. The attacker has write access to
 * one feature branch and makes its template output staging's pipeline name.
 */
let scene: Scene;
beforeEach(async () => (scene = await openScene()));
afterEach(() => closeScene(scene));

it("refuses a branch stack whose PipelineName output names another environment's pipeline, and starts nothing", async () => {
  const { aws, github, app } = scene;
  givenRepository(github, { commits: [A] });
  github.ref("main", A);
  await app.deliver("push", pushToBranch("main", A));
  await app.settle();
  const staging = (await allStacks(aws.clients)).find((s) => tagsOf(s)["branchline:environment"] === "staging")!;
  const stagingPipeline = pipelineOf(staging);
  expect(await pinnedCommits(aws.clients, stagingPipeline)).toEqual([A]);

  // The branch's template points its output at staging's pipeline.
  github.file(B, TEMPLATE_PATH, TEMPLATE.replace("    Value: !Ref Pipeline", `    Value: ${stagingPipeline}`));
  await app.deliver("push", pushToBranch("feature/evil", B, { created: true }));
  await app.settle();

  expect(await pinnedCommits(aws.clients, stagingPipeline)).toEqual([A]);
  const check = github.checkRunsFor(B).find((c) => c.name === "branchline: branch/feature/evil")!;
  expect(check).toMatchObject({ status: "completed", conclusion: "failure" });
  expect(check.output.summary).toContain(`outputs \`PipelineName\` = \`${stagingPipeline}\``);
  const branchStack = (await allStacks(aws.clients)).find((s) => tagsOf(s)["branchline:environment"] === "branch")!;
  expect(await pinnedCommits(aws.clients, branchStack.StackName!)).toEqual([]);
  expect(github.model.deploymentsFor("octo-org/shop", "branch/feature/evil")).toEqual([]);
});
