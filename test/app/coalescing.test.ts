import { afterEach, beforeEach, expect, it } from "vitest";
import type { FakeGitHub } from "../support/fake-github.js";
import type { RunningApp } from "../support/branchline.js";
import { callCount, pinnedCommits, type EmulatedAws } from "../support/aws.js";
import { pushToBranch } from "../support/payloads.js";
import { closeScene, givenRepository, onlyStack, openScene, pipelineOf } from "../support/scenario.js";

let aws: EmulatedAws;
let github: FakeGitHub;
let app: RunningApp;

const commits = Array.from({ length: 20 }, (_, i) => (i + 1).toString(16).padStart(40, "0"));

beforeEach(async () => {
  ({ aws, github, app } = await openScene({ debounce: { quietMs: 300, maxMs: 3_000 } }));
  givenRepository(github, { commits });
});

afterEach(() => closeScene({ aws, github, app }));

it("20 pushes to one branch within a second give one stack operation and one run, for the newest commit", async () => {
  for (const [index, commit] of commits.entries()) {
    await app.deliver("push", pushToBranch("feature/burst", commit, { created: index === 0 }));
    await new Promise((resolve) => setTimeout(resolve, 40));
  }
  await app.settle();
  expect(callCount(aws, "cloudformation", "CreateChangeSet")).toBe(1);
  expect(callCount(aws, "codepipeline", "StartPipelineExecution")).toBe(1);
  expect(await pinnedCommits(aws.clients, pipelineOf(await onlyStack(aws)))).toEqual([commits.at(-1)]);
  expect(github.checkRunsFor(commits.at(-1)!)[0]).toMatchObject({ conclusion: "success" });
  for (const commit of commits.slice(0, -1)) {
    expect(github.checkRunsFor(commit)).toEqual([
      expect.objectContaining({ status: "completed", conclusion: "neutral" }),
    ]);
    expect(github.checkRunsFor(commit)[0]!.output.title).toBe("Superseded");
  }
});
