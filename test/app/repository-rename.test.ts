import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RunningApp } from "../support/branchline.js";
import { allStacks, callCount, pinnedCommits, tagsOf, type EmulatedAws } from "../support/aws.js";
import type { FakeGitHub } from "../support/fake-github.js";
import { pushToBranch, repositoryEvent } from "../support/payloads.js";
import { A, B, C, closeScene, givenRepository, openScene, pipelineOf } from "../support/scenario.js";

let aws: EmulatedAws;
let github: FakeGitHub;
let app: RunningApp;
let before: { name: string; ref: string }[];

beforeEach(async () => {
  ({ aws, github, app } = await openScene());
  givenRepository(github);
  github.repository.branch("main", A).branch("feature/x", B);
  await app.reconciler.pass({ reportOnly: false });
  await app.settle();
  before = await stackNames();
  expect(before).toHaveLength(2);
  aws.emulator.control.resetCalls();
});

afterEach(() => closeScene({ aws, github, app }));

/** Each stack's name, ref and creation time: a stack recreated under the same name would show a new time. */
async function stackNames(): Promise<{ name: string; ref: string; created: string }[]> {
  return (await allStacks(aws.clients))
    .map((s) => ({ name: s.StackName!, ref: tagsOf(s)["branchline:ref"]!, created: s.CreationTime!.toISOString() }))
    .sort((a, b) => (a.ref < b.ref ? -1 : 1));
}

describe.each([
  { event: "renamed" as const, owner: "octo-org", name: "store" },
  { event: "transferred" as const, owner: "octo-new", name: "shop" },
])("a repository $event", ({ event, owner, name }) => {
  beforeEach(async () => {
    const id = github.repository.id;
    github.model.moveRepository("octo-org", "shop", owner, name);
    const payload = repositoryEvent(event, {
      owner,
      repo: name,
      repositoryId: id,
      from: { owner: "octo-org", name: "shop" },
    });
    await app.deliver("repository", payload);
    await app.settle();
  });

  it("keeps its stacks (found by repository id); their tags and parameters follow the new name; nothing is recreated or run again", async () => {
    expect(await stackNames()).toEqual(before);
    expect(callCount(aws, "cloudformation", "DeleteStack")).toBe(0);
    expect(callCount(aws, "codepipeline", "StartPipelineExecution")).toBe(0);
    for (const stack of await allStacks(aws.clients)) {
      expect(tagsOf(stack)["branchline:repository"]).toBe(`${owner}/${name}`);
      expect(stack.Parameters?.find((p) => p.ParameterKey === "BranchlineRepository")?.ParameterValue).toBe(
        `${owner}/${name}`,
      );
    }
  });

  it("a push under the new name deploys to the same stack, and its check run links to it", async () => {
    github.model.findRepository(owner, name)!.branch("feature/x", C);
    await app.deliver(
      "push",
      pushToBranch("feature/x", C, { owner, repo: name, repositoryId: github.model.findRepository(owner, name)!.id }),
    );
    await app.settle();

    expect(await stackNames()).toEqual(before);
    const feature = (await allStacks(aws.clients)).find((s) => tagsOf(s)["branchline:ref"] === "refs/heads/feature/x")!;
    expect(await pinnedCommits(aws.clients, pipelineOf(feature))).toEqual([B, C]);
    const check = github.model.checkRunsFor(C, `${owner}/${name}`)[0]!;
    expect(check).toMatchObject({ name: "branchline: branch/feature/x", conclusion: "success" });
    expect(check.details_url).toContain(feature.StackName);
  });
});
