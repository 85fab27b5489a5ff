import { afterEach, beforeEach, expect, it } from "vitest";
import type { FakeGitHub } from "../support/fake-github.js";
import type { RunningApp } from "../support/branchline.js";
import { allStacks, callCount, pinnedCommits, type EmulatedAws } from "../support/aws.js";
import { deleteRef, pushToBranch } from "../support/payloads.js";
import {
  A,
  B,
  C,
  closeScene,
  givenRepository,
  onlyStack,
  openScene,
  pipelineOf,
  TEMPLATE,
  TEMPLATE_PATH,
} from "../support/scenario.js";

let aws: EmulatedAws;
let github: FakeGitHub;
let app: RunningApp;

beforeEach(async () => {
  ({ aws, github, app } = await openScene());
  givenRepository(github, { commits: [A] });
  github.file(B, TEMPLATE_PATH, TEMPLATE.replace("Status: Enabled", "Status: Suspended"));
  github.file(
    C,
    TEMPLATE_PATH,
    TEMPLATE.replace(
      "BranchlineEnvironmentKind:\n    Type: String",
      "BranchlineEnvironmentKind:\n    Type: String\n    Description: kind",
    ),
  );
  await app.deliver("push", pushToBranch("feature/x", A, { created: true }));
  await app.settle();
});

afterEach(() => closeScene({ aws, github, app }));

it("continues a rollback that failed (UPDATE_ROLLBACK_FAILED), then updates and runs the next push", async () => {
  aws.emulator.control.failStack({
    stackName: "branchline-shop-br-feature-x-*",
    operation: "update",
    reason: "bucket policy rejected",
    times: 1,
  });
  aws.emulator.control.failStack({
    stackName: "branchline-shop-br-feature-x-*",
    operation: "update-rollback",
    reason: "bucket in use",
    times: 1,
  });
  await app.deliver("push", pushToBranch("feature/x", B));
  await app.settle();
  expect((await onlyStack(aws)).StackStatus).toBe("UPDATE_ROLLBACK_FAILED");
  expect(github.checkRunsFor(B)[0]).toMatchObject({ conclusion: "failure" });
  expect(github.checkRunsFor(B)[0]!.output.summary).toContain("bucket policy rejected");

  await app.deliver("push", pushToBranch("feature/x", C));
  await app.settle();
  const stack = await onlyStack(aws);
  expect(callCount(aws, "cloudformation", "ContinueUpdateRollback")).toBe(1);
  expect(stack.StackStatus).toBe("UPDATE_COMPLETE");
  expect(github.checkRunsFor(C)[0]!.output.summary).toContain("Continued the failed rollback");
  expect(await pinnedCommits(aws.clients, pipelineOf(stack))).toEqual([A, C]);
});

it("deletes again a stack whose delete failed (DELETE_FAILED)", async () => {
  aws.emulator.control.failStack({
    stackName: "branchline-shop-br-feature-x-*",
    operation: "delete",
    reason: "resource busy",
    times: 1,
  });
  await app.deliver("delete", deleteRef("branch", "feature/x"));
  await app.settle();
  expect((await onlyStack(aws)).StackStatus).toBe("DELETE_FAILED");
  expect(app.logs.join("")).toContain("resource busy");

  // The reconciler (or a redelivery) tries again: the stack goes.
  await app.deliver("delete", deleteRef("branch", "feature/x"));
  await app.settle();
  expect(await allStacks(aws.clients)).toEqual([]);
});
