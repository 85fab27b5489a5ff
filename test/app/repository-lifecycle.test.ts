import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RunningApp } from "../support/branchline.js";
import { allStacks, callCount, pinnedCommits, tagsOf, type EmulatedAws } from "../support/aws.js";
import type { FakeGitHub } from "../support/fake-github.js";
import { repositoryEvent } from "../support/payloads.js";
import { A, B, C, CONFIG, closeScene, givenRepository, openScene, pipelineOf } from "../support/scenario.js";

let aws: EmulatedAws;
let github: FakeGitHub;
let app: RunningApp;

beforeEach(async () => {
  ({ aws, github, app } = await openScene());
  givenRepository(github);
  github.repository.branch("main", A).branch("feature/x", B);
  await app.reconciler.pass({ reportOnly: false });
  await app.settle();
  aws.emulator.control.resetCalls();
});

afterEach(() => closeScene({ aws, github, app }));

async function deliver(name: string, payload: unknown) {
  await app.deliver(name, payload);
  await app.settle();
}

async function stackOf(ref: string) {
  return (await allStacks(aws.clients)).find((s) => tagsOf(s)["branchline:ref"] === ref);
}

function writesSince(count: number): string[] {
  return github.requests
    .slice(count)
    .filter((r) => r.method !== "GET")
    .map((r) => `${r.method} ${r.path}`);
}

describe("an archived or deleted repository", () => {
  it("archived: its branch environments are torn down, staging is kept (termination protection) and marked, and GitHub is not written to", async () => {
    github.repository.archived = true;
    const before = github.requests.length;
    await deliver("repository", repositoryEvent("archived"));

    const stacks = await allStacks(aws.clients);
    expect(stacks.map((s) => tagsOf(s)["branchline:ref"])).toEqual(["refs/heads/main"]);
    expect(stacks[0]!.EnableTerminationProtection).toBe(true);
    expect(tagsOf(stacks[0]!)["branchline:repository-state"]).toBe("archived");
    expect(callCount(aws, "cloudformation", "DeleteStack")).toBe(1);
    expect(writesSince(before)).toEqual([]);
    expect(app.logs.some((line) => line.includes("staging is kept"))).toBe(true);
  });

  it("unarchived: followed again, staging's mark cleared", async () => {
    github.repository.archived = true;
    await deliver("repository", repositoryEvent("archived"));
    github.repository.archived = false;
    await deliver("repository", repositoryEvent("unarchived"));
    const staging = await stackOf("refs/heads/main");
    expect(tagsOf(staging!)["branchline:repository-state"]).toBeUndefined();
  });

  it("deleted: the same, without asking GitHub anything of the repository that is gone", async () => {
    github.model.deleteRepository("octo-org", "shop");
    const before = github.requests.length;
    await deliver("repository", repositoryEvent("deleted"));

    const stacks = await allStacks(aws.clients);
    expect(stacks.map((s) => tagsOf(s)["branchline:ref"])).toEqual(["refs/heads/main"]);
    expect(tagsOf(stacks[0]!)["branchline:repository-state"]).toBe("deleted");
    expect(writesSince(before)).toEqual([]);
  });

  it("a deleted event for a repository GitHub still shows is only a look: nothing is torn down", async () => {
    await deliver("repository", repositoryEvent("deleted"));
    expect((await allStacks(aws.clients)).map((s) => tagsOf(s)["branchline:ref"]).sort()).toEqual([
      "refs/heads/feature/x",
      "refs/heads/main",
    ]);
    expect(callCount(aws, "cloudformation", "DeleteStack")).toBe(0);
  });
});

describe("a new default branch", () => {
  it("moves staging to it at once; the old default branch becomes an ordinary branch environment, and the new one's branch environment goes", async () => {
    github.repository.branch("develop", C);
    github.file("develop", ".github/branchline.yml", CONFIG);
    await app.reconciler.pass({ reportOnly: false });
    await app.settle();
    const stagingName = (await stackOf("refs/heads/main"))!.StackName;
    expect(await stackOf("refs/heads/develop")).toBeDefined();

    github.repository.defaultBranch = "develop";
    await deliver("repository", repositoryEvent("edited", { defaultBranch: "develop", defaultBranchFrom: "main" }));

    const stacks = await allStacks(aws.clients);
    const staging = stacks.find((s) => tagsOf(s)["branchline:environment"] === "staging")!;
    // The same stack (staging's name does not depend on its branch), now following develop.
    expect(staging.StackName).toBe(stagingName);
    expect(tagsOf(staging)["branchline:ref"]).toBe("refs/heads/develop");
    expect(await pinnedCommits(aws.clients, pipelineOf(staging))).toEqual([A, C]);
    const branches = stacks
      .filter((s) => tagsOf(s)["branchline:environment"] === "branch")
      .map((s) => tagsOf(s)["branchline:ref"])
      .sort();
    expect(branches).toEqual(["refs/heads/feature/x", "refs/heads/main"]);
    expect(
      github
        .checkRunsFor(A)
        .map((c) => c.name)
        .sort(),
    ).toEqual(["branchline: branch/main", "branchline: staging"]);
    expect(
      github
        .checkRunsFor(C)
        .map((c) => c.name)
        .sort(),
    ).toEqual(["branchline: branch/develop", "branchline: staging"]);
  });

  it("moves staging to the new default branch when its head already ran there: the stack follows, no second run", async () => {
    // develop starts where main is; both say the same: only feature branches get environments.
    github.repository.branch("develop", A);
    github.file("main", ".github/branchline.yml", `${CONFIG}branches:\n  include: ["feature/**"]\n`);
    await app.reconciler.pass({ reportOnly: false });
    await app.settle();
    aws.emulator.control.resetCalls();

    github.repository.defaultBranch = "develop";
    await deliver("repository", repositoryEvent("edited", { defaultBranch: "develop", defaultBranchFrom: "main" }));

    const staging = (await allStacks(aws.clients)).find((s) => tagsOf(s)["branchline:environment"] === "staging")!;
    expect(tagsOf(staging)["branchline:ref"]).toBe("refs/heads/develop");
    expect(staging.Parameters?.find((p) => p.ParameterKey === "BranchlineSourceBranch")?.ParameterValue).toBe(
      "develop",
    );
    expect(await pinnedCommits(aws.clients, pipelineOf(staging))).toEqual([A]);
    expect(callCount(aws, "codepipeline", "StartPipelineExecution")).toBe(0);
    // main is not in branches.include: it gets no environment of its own.
    expect((await allStacks(aws.clients)).map((s) => tagsOf(s)["branchline:ref"]).sort()).toEqual([
      "refs/heads/develop",
      "refs/heads/feature/x",
    ]);
  });

  it("an edit that does not change the default branch does nothing", async () => {
    const payload = repositoryEvent("edited");
    payload.changes = { description: { from: "old" } };
    const before = github.requests.length;
    await deliver("repository", payload);
    expect(github.requests.length).toBe(before);
    expect(callCount(aws, "cloudformation")).toBe(0);
  });
});
