import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RunningApp } from "../support/branchline.js";
import { allStacks, callCount, pinnedCommits, type EmulatedAws } from "../support/aws.js";
import type { FakeGitHub } from "../support/fake-github.js";
import { deleteRef, pushDeletingBranch, pushToBranch } from "../support/payloads.js";
import { A, B, C, closeScene, givenRepository, onlyStack, openScene, pipelineOf } from "../support/scenario.js";

/** Every AWS call that changes something: none of them may follow a stale delivery. */
const MUTATIONS: readonly [string, string][] = [
  ["cloudformation", "CreateChangeSet"],
  ["cloudformation", "ExecuteChangeSet"],
  ["cloudformation", "CreateStack"],
  ["cloudformation", "UpdateStack"],
  ["cloudformation", "DeleteStack"],
  ["codepipeline", "StartPipelineExecution"],
  ["codepipeline", "StopPipelineExecution"],
];
const mutations = (aws: EmulatedAws) =>
  MUTATIONS.map(([service, operation]) => callCount(aws, service, operation)).reduce((a, b) => a + b, 0);

let aws: EmulatedAws;
let github: FakeGitHub;
let app: RunningApp;

afterEach(() => closeScene({ aws, github, app }));

describe("a look reads the truth: a webhook's commit is a hint", () => {
  beforeEach(async () => {
    ({ aws, github, app } = await openScene({ debounce: { quietMs: 200, maxMs: 2_000 } }));
    givenRepository(github);
  });

  it("a late redelivery of an older push, after a newer one, changes nothing in AWS (never back in time)", async () => {
    const older = pushToBranch("feature/login", A, { created: true });
    const olderId = await app.deliver("push", older);
    await app.deliver("push", pushToBranch("feature/login", B));
    await app.settle();
    expect(await pinnedCommits(aws.clients, pipelineOf(await onlyStack(aws)))).toEqual([B]);
    expect(github.checkRunsFor(A)[0]!.output.title).toBe("Superseded");
    const before = mutations(aws);

    await app.redeliver("push", older, olderId);
    await app.settle();

    expect(mutations(aws)).toBe(before);
    expect(await pinnedCommits(aws.clients, pipelineOf(await onlyStack(aws)))).toEqual([B]);
    expect(github.checkRunsFor(A)).toHaveLength(1);
    expect(github.checkRunsFor(B)).toEqual([expect.objectContaining({ conclusion: "success" })]);
  });

  it("a push whose commit is no longer the branch's head deploys the head, and tells the older commit it was superseded", async () => {
    github.ref("refs/heads/feature/login", C);
    await app.redeliver("push", pushToBranch("feature/login", A, { created: true }));
    await app.settle();
    expect(await pinnedCommits(aws.clients, pipelineOf(await onlyStack(aws)))).toEqual([C]);
    expect(github.checkRunsFor(C)).toEqual([expect.objectContaining({ conclusion: "success" })]);
    expect(github.checkRunsFor(A)).toEqual([expect.objectContaining({ conclusion: "neutral" })]);
    expect(github.checkRunsFor(A)[0]!.output.title).toBe("Superseded");
  });
});

describe("a look reads the truth: a delete acts only when GitHub says the branch is gone", () => {
  beforeEach(async () => {
    ({ aws, github, app } = await openScene());
    givenRepository(github);
  });

  it.each([
    ["a delete event", "delete", () => deleteRef("branch", "feature/login")],
    ["a push with deleted: true", "push", () => pushDeletingBranch("feature/login")],
  ])("%s for a branch that exists (late, or out of order) destroys nothing", async (_name, event, deletion) => {
    await app.deliver("push", pushToBranch("feature/login", A, { created: true }));
    await app.settle();
    const before = mutations(aws);

    await app.redeliver(event, deletion());
    await app.settle();

    expect(callCount(aws, "cloudformation", "DeleteStack")).toBe(0);
    expect(mutations(aws)).toBe(before);
    expect((await allStacks(aws.clients)).map((s) => s.StackStatus)).toEqual(["CREATE_COMPLETE"]);
  });
});
