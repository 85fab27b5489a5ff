import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RunningApp } from "../support/branchline.js";
import { allStacks, callCount, pinnedCommits, tagsOf, type EmulatedAws } from "../support/aws.js";
import type { FakeGitHub } from "../support/fake-github.js";
import { pushTag, pushToBranch, repositoryEvent } from "../support/payloads.js";
import { A, closeScene, CONFIG, givenRepository, openScene, pipelineOf } from "../support/scenario.js";

let aws: EmulatedAws;
let github: FakeGitHub;
let app: RunningApp;

beforeEach(async () => {
  ({ aws, github, app } = await openScene());
  // Promotion criteria have their own tests (test/app/promotion.test.ts).
  givenRepository(github, {
    config: `${CONFIG}production:\n  requireOnDefaultBranch: false\n  requireStagingSuccess: false\n`,
  });
  github.repository.branch("main", A);
  await app.deliver("push", pushToBranch("main", A));
  await app.deliver("push", pushTag("v1.0.0", A));
  await app.settle();
  expect(await production()).toBeDefined();
});

afterEach(() => closeScene({ aws, github, app }));

async function production() {
  return (await allStacks(aws.clients)).find((s) => tagsOf(s)["branchline:environment"] === "production");
}

describe("production of a renamed repository", () => {
  beforeEach(async () => {
    const id = github.repository.id;
    github.model.moveRepository("octo-org", "shop", "octo-org", "store");
    aws.emulator.control.resetCalls();
    await app.deliver(
      "repository",
      repositoryEvent("renamed", {
        owner: "octo-org",
        repo: "store",
        repositoryId: id,
        from: { owner: "octo-org", name: "shop" },
      }),
    );
    await app.settle();
  });

  it("carries the new name in its tags at once, without a release: nothing is deployed or run", async () => {
    const stack = (await production())!;
    expect(tagsOf(stack)["branchline:repository"]).toBe("octo-org/store");
    expect(tagsOf(stack)["branchline:repository-state"]).toBeUndefined();
    expect(callCount(aws, "cloudformation", "CreateChangeSet")).toBe(1); // staging's follow; production is only retagged
    expect(callCount(aws, "codepipeline", "StartPipelineExecution")).toBe(0);
    expect(await pinnedCommits(aws.clients, pipelineOf(stack))).toEqual([A]);
  });

  it("is not taken for a repository no installation covers by the next reconcile pass", async () => {
    const summary = await app.reconciler.pass({ reportOnly: false });
    await app.settle();
    expect(summary.actions.filter((a) => a.kind === "mark" && a.state === "unowned")).toEqual([]);
    expect(tagsOf((await production())!)["branchline:repository-state"]).toBeUndefined();
  });
});

describe("production of a repository renamed while the webhook was lost", () => {
  it("is retagged by the next reconcile pass, and not marked unowned under its old name", async () => {
    github.model.moveRepository("octo-org", "shop", "octo-org", "store");
    await app.reconciler.pass({ reportOnly: false });
    await app.settle();
    const tags = tagsOf((await production())!);
    expect(tags["branchline:repository"]).toBe("octo-org/store");
    expect(tags["branchline:repository-state"]).toBeUndefined();
  });
});
