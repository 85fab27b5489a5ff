import { afterEach, describe, expect, it } from "vitest";
import { callCount, emulatedAws } from "../support/aws.js";
import { startBranchline } from "../support/branchline.js";
import { FakeGitHub } from "../support/fake-github.js";
import { pushToBranch } from "../support/payloads.js";
import { eventually } from "../support/processes.js";
import { A, closeScene, givenRepository, type Scene } from "../support/scenario.js";

let scene: Scene;

afterEach(async () => {
  await closeScene(scene);
});

describe("one change-set module: every page of a change set is read", () => {
  it("a change set CloudFormation describes over several pages shows every change on the check run", async () => {
    // CloudFormation pages DescribeChangeSet's changes; here one change a page, so a first-page-only reader shows one of three.
    const aws = await emulatedAws({ pageSize: 1 });
    const github = new FakeGitHub("octo-org", "shop").install();
    givenRepository(github);
    scene = { aws, github, app: await startBranchline(aws.clients) };
    await scene.app.deliver("push", pushToBranch("feature/paged", A, { created: true }));
    await eventually(
      () => (github.checkRunsFor(A)[0]?.status === "completed" ? true : undefined),
      20_000,
      "the check run to end",
    );

    const summary = github.checkRunsFor(A)[0]!.output.summary;
    for (const resource of ["ArtifactBucket", "PipelineRole", "Pipeline"])
      expect(summary).toMatch(new RegExp(`\\| added \\| ${resource} \\|`));
    expect(callCount(aws, "cloudformation", "DescribeChangeSet")).toBeGreaterThanOrEqual(3);
  });
});
