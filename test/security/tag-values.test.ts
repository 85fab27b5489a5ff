import { afterEach, beforeEach, expect, it } from "vitest";
import { allStacks, pinnedCommits, tagsOf } from "../support/aws.js";
import { pushDeletingBranch, pushToBranch } from "../support/payloads.js";
import { A, B, closeScene, givenRepository, openScene, pipelineOf, type Scene } from "../support/scenario.js";

/**
 * Point 9: git allows `#`, `!`, `,`, `(` in branch names; AWS tag values do not (the emulator
 * refuses them as CloudFormation does). Ref-derived tag values are encoded, and read back.
 */
let scene: Scene;
beforeEach(async () => (scene = await openScene()));
afterEach(() => closeScene(scene));

const BRANCH = "fix/#12!(urgent),v2~1";

it("deploys, redeploys and tears down a branch whose name holds characters AWS tags refuse", async () => {
  const { aws, github, app } = scene;
  givenRepository(github);
  github.repository.branch("main", A).branch(BRANCH, A);

  await app.deliver("push", pushToBranch(BRANCH, A, { created: true }));
  await app.settle();
  const check = github.checkRunsFor(A).find((c) => c.name === `branchline: branch/${BRANCH}`)!;
  expect(check.conclusion).toBe("success");
  const stack = (await allStacks(aws.clients)).find((s) => tagsOf(s)["branchline:environment"] === "branch")!;
  expect(Object.values(tagsOf(stack)).every((value) => /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u.test(value))).toBe(true);

  // The stack is recognised as this branch's again (an update, not a refusal) ...
  github.repository.branch(BRANCH, B);
  await app.deliver("push", pushToBranch(BRANCH, B));
  await app.settle();
  expect(await pinnedCommits(aws.clients, pipelineOf(stack))).toEqual([A, B]);

  // ... the reconciler reads the branch back from the tags (nothing to do: it exists and ran) ...
  const summary = await app.reconciler.pass({ reportOnly: true });
  expect(
    summary.actions.filter((a) => (a.kind === "deploy" || a.kind === "destroy") && a.ref.name === BRANCH),
    JSON.stringify(summary),
  ).toEqual([]);

  // ... and its deletion removes it.
  github.repository.deleteRef(`refs/heads/${BRANCH}`);
  await app.deliver("push", pushDeletingBranch(BRANCH));
  await app.settle();
  expect((await allStacks(aws.clients)).filter((s) => tagsOf(s)["branchline:environment"] === "branch")).toEqual([]);
});
