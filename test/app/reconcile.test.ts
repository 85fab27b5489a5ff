import { StartPipelineExecutionCommand } from "@aws-sdk/client-codepipeline";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeGitHub } from "../support/fake-github.js";
import type { RunningApp } from "../support/branchline.js";
import { allStacks, callCount, pinnedCommits, tagsOf, type EmulatedAws } from "../support/aws.js";
import { pushToBranch } from "../support/payloads.js";
import { A, B, C, closeScene, givenRepository, openScene, pipelineOf } from "../support/scenario.js";

let aws: EmulatedAws;
let github: FakeGitHub;
let app: RunningApp;

beforeEach(async () => {
  ({ aws, github, app } = await openScene());
  givenRepository(github);
});

afterEach(() => closeScene({ aws, github, app }));

async function reconcile(reportOnly = false) {
  const summary = await app.reconciler.pass({ reportOnly });
  await app.settle();
  return summary;
}

describe("a reconcile pass", () => {
  it("creates the environment of a branch whose webhooks never arrived, and runs its head", async () => {
    github.repository.branch("main", A).branch("feature/lost", B);
    const summary = await reconcile();
    expect(summary.errors).toEqual([]);
    const stacks = await allStacks(aws.clients);
    expect(stacks.map((s) => tagsOf(s)["branchline:ref"]).sort()).toEqual([
      "refs/heads/feature/lost",
      "refs/heads/main",
    ]);
    const lost = stacks.find((s) => tagsOf(s)["branchline:ref"] === "refs/heads/feature/lost")!;
    expect(await pinnedCommits(aws.clients, pipelineOf(lost))).toEqual([B]);
    expect(github.checkRunsFor(B)[0]).toMatchObject({ name: "branchline: branch/feature/lost", conclusion: "success" });
  });

  it("deletes the stack of a branch that is gone", async () => {
    github.repository.branch("main", A).branch("feature/old", B);
    await app.deliver("push", pushToBranch("feature/old", B, { created: true }));
    await app.settle();
    github.repository.deleteRef("refs/heads/feature/old");
    const summary = await reconcile();
    expect(summary.actions.map((a) => a.kind)).toContain("destroy");
    const remaining = (await allStacks(aws.clients)).map((s) => tagsOf(s)["branchline:ref"]);
    expect(remaining).toEqual(["refs/heads/main"]);
  });

  it("redeploys a branch whose newest push was lost", async () => {
    github.repository.branch("main", A).branch("feature/x", B);
    await reconcile();
    github.repository.branch("feature/x", C);
    await reconcile();
    const stack = (await allStacks(aws.clients)).find((s) => tagsOf(s)["branchline:ref"] === "refs/heads/feature/x")!;
    expect(await pinnedCommits(aws.clients, pipelineOf(stack))).toEqual([B, C]);
  });

  it("changes nothing when everything agrees", async () => {
    github.repository.branch("main", A);
    await reconcile();
    aws.emulator.control.resetCalls();
    const summary = await reconcile();
    expect(summary.actions).toEqual([]);
    expect(callCount(aws, "cloudformation", "CreateChangeSet")).toBe(0);
    expect(callCount(aws, "codepipeline", "StartPipelineExecution")).toBe(0);
  });

  it("repairs a stack left in ROLLBACK_COMPLETE by a failed create", async () => {
    github.repository.branch("main", A).branch("feature/x", B);
    aws.emulator.control.failStack({
      stackName: "branchline-shop-br-feature-x-*",
      operation: "create",
      reason: "quota",
      times: 1,
    });
    await app.deliver("push", pushToBranch("feature/x", B, { created: true }));
    await app.settle();
    expect(
      (await allStacks(aws.clients)).find((s) => tagsOf(s)["branchline:ref"] === "refs/heads/feature/x")?.StackStatus,
    ).toBe("ROLLBACK_COMPLETE");
    await reconcile();
    const stack = (await allStacks(aws.clients)).find((s) => tagsOf(s)["branchline:ref"] === "refs/heads/feature/x")!;
    expect(stack.StackStatus).toBe("CREATE_COMPLETE");
    expect(github.checkRunsFor(B).at(-1)!.conclusion).toBe("success");
  });

  it("takes up the reporting of a run in flight after a restart", async () => {
    github.repository.branch("main", A).branch("feature/x", B);
    await reconcile();
    const stack = (await allStacks(aws.clients)).find((s) => tagsOf(s)["branchline:ref"] === "refs/heads/feature/x")!;
    // A run started before a restart: its check run shows in progress, nobody follows it.
    aws.emulator.control.scriptAction({
      stage: "Build",
      action: "Build",
      outcome: "succeed",
      durationMs: 400,
      times: 1,
    });
    github.repository.branch("feature/x", C);
    await aws.clients.codepipeline.send(
      new StartPipelineExecutionCommand({
        name: pipelineOf(stack),
        sourceRevisions: [{ actionName: "Source", revisionType: "COMMIT_ID", revisionValue: C }],
      }),
    );
    const summary = await reconcile();
    expect(summary.actions.filter((a) => a.kind === "resume")).toHaveLength(1);
    expect(github.checkRunsFor(C)).toHaveLength(1);
    expect(github.checkRunsFor(C)[0]).toMatchObject({ name: "branchline: branch/feature/x", conclusion: "success" });
  });

  it("in report-only mode lists what it would do and changes nothing", async () => {
    github.repository.branch("main", A).branch("feature/lost", B);
    const summary = await reconcile(true);
    expect(summary.applied).toBe(false);
    expect(summary.actions.map((a) => [a.kind, a.kind === "deploy" ? a.ref.name : ""]).sort()).toEqual([
      ["deploy", "feature/lost"],
      ["deploy", "main"],
    ]);
    expect(await allStacks(aws.clients)).toEqual([]);
    expect(github.checkRuns).toEqual([]);
  });

  it("leaves repositories without config alone", async () => {
    github.repository.branch("main", A).branch("feature/x", B);
    const quiet = new FakeGitHub("octo-org", "quiet", { model: github.model });
    quiet.repository.branch("main", A);
    github.model.installations[0]!.repositories = "all";
    const summary = await reconcile(true);
    expect(summary.repositories).toBe(1);
    expect(summary.actions.length).toBeGreaterThan(0);
    expect(summary.actions.every((a) => a.repository === "octo-org/shop")).toBe(true);
  });

  it("reconciles a healthy installation beside a suspended one listed before it", async () => {
    github.repository.branch("main", A).branch("feature/lost", B);
    const other = new FakeGitHub("other-org", "app", { model: github.model, installationId: 7 });
    other.repository.branch("main", A);
    github.model.installations.find((i) => i.id === 7)!.suspended = true;
    // The suspended installation is listed first: it must not stop the pass before the healthy one.
    github.model.installations.sort((a, b) => a.id - b.id);
    const summary = await reconcile();
    expect(summary.errors).toEqual([]);
    const stacks = await allStacks(aws.clients);
    expect(stacks.map((s) => tagsOf(s)["branchline:ref"]).sort()).toEqual([
      "refs/heads/feature/lost",
      "refs/heads/main",
    ]);
    expect(github.checkRunsFor(B)[0]).toMatchObject({ conclusion: "success" });
  });
});
