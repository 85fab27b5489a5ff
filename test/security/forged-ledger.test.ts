import { afterEach, beforeEach, expect, it } from "vitest";
import { allStacks, pinnedCommits } from "../support/aws.js";
import { pushTag, pushToBranch } from "../support/payloads.js";
import {
  A,
  B,
  C,
  closeScene,
  CONFIG,
  givenRepository,
  openScene,
  pipelineOf,
  type Scene,
} from "../support/scenario.js";

/**
 * Point 2: the ledger a rollback reads is branchline's own. Anyone with write access (or a workflow
 * with `deployments: write`) can create a `production` deployment with a `success` status for any
 * commit; a rollback must never deploy it.
 */
let scene: Scene;
beforeEach(async () => (scene = await openScene()));
afterEach(() => closeScene(scene));

async function stagingRuns(...commits: string[]): Promise<void> {
  const { github, app } = scene;
  commits.forEach((commit, i) => github.repository.ancestors(commit, commits.slice(0, i)));
  for (const commit of commits) {
    github.ref("main", commit);
    await app.deliver("push", pushToBranch("main", commit));
    await app.settle();
  }
}

async function release(tag: string, commit: string): Promise<void> {
  scene.github.ref(`refs/tags/${tag}`, commit);
  await scene.app.deliver("push", pushTag(tag, commit));
  await scene.app.settle();
  // A rollback is submitted when the followed run ends: wait for it too.
  await scene.app.settle();
}

it("rolls back to branchline's own last good release, never to a deployment someone else planted", async () => {
  const { aws, github } = scene;
  givenRepository(github, { config: `${CONFIG}onFailure:\n  production: redeploy-last-good\n` });
  await stagingRuns(A, B);
  await release("v1.0.0", A);
  // C is an unmerged commit (its template is the attacker's); a writer records it as deployed.
  github.model.plantDeployment("octo-org/shop", {
    sha: C,
    environment: "production",
    login: "mallory",
    state: "success",
  });
  aws.emulator.control.scriptAction({
    pipeline: "*-production-*",
    stage: "Build",
    outcome: "fail",
    message: "smoke test failed",
    times: 1,
  });

  await release("v1.1.0", B);

  const production = (await allStacks(aws.clients)).find((s) => s.StackName?.includes("-production-"))!;
  const ran = await pinnedCommits(aws.clients, pipelineOf(production));
  expect(ran).not.toContain(C);
  expect(ran).toEqual([A, B, A]);
});

it("does not roll production back to a commit of its own ledger that no longer meets the release criteria", async () => {
  const { aws, github } = scene;
  givenRepository(github, { config: `${CONFIG}onFailure:\n  production: redeploy-last-good\n` });
  await stagingRuns(A, B);
  await release("v1.0.0", A);
  // A is no longer on the default branch (history rewritten): it may not be released, nor rolled back to.
  github.repository.ancestors(B, []);
  github.repository.ancestors(C, [B]);
  github.ref("main", C);
  aws.emulator.control.scriptAction({
    pipeline: "*-production-*",
    stage: "Build",
    outcome: "fail",
    message: "smoke test failed",
    times: 1,
  });

  await release("v1.1.0", B);

  const production = (await allStacks(aws.clients)).find((s) => s.StackName?.includes("-production-"))!;
  expect(await pinnedCommits(aws.clients, pipelineOf(production))).toEqual([A, B]);
  const check = github
    .checkRunsFor(B)
    .filter((c) => c.name === "branchline: production")
    .at(-1)!;
  expect(check.output.summary).toContain("Not rolled back");
  expect(check.output.summary).toContain("not on the default branch");
});
