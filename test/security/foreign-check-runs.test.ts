import { afterEach, beforeEach, expect, it } from "vitest";
import { allStacks, mutationCount, pinnedCommits, tagsOf } from "../support/aws.js";
import { pushTag, pushToBranch } from "../support/payloads.js";
import { A, B, closeScene, givenRepository, openScene, pipelineOf, type Scene } from "../support/scenario.js";

/**
 * Point 3: a check run named `branchline: …` written by another App (a workflow's GITHUB_TOKEN can
 * write one) is not branchline's and must not count as "this commit already has a run".
 */
let scene: Scene;
beforeEach(async () => (scene = await openScene()));
afterEach(() => closeScene(scene));

const GITHUB_ACTIONS_APP_ID = 15368;

it("deploys a commit although another App wrote a `branchline: branch/…` check run on it", async () => {
  const { aws, github, app } = scene;
  givenRepository(github);
  github.model.plantCheckRun("octo-org/shop", {
    name: "branchline: branch/feature/x",
    head_sha: A,
    app_id: GITHUB_ACTIONS_APP_ID,
    conclusion: "success",
    external_id: "forged-execution",
  });

  await app.deliver("push", pushToBranch("feature/x", A, { created: true }));
  await app.settle();

  const stack = (await allStacks(aws.clients)).find((s) => tagsOf(s)["branchline:ref"] === "refs/heads/feature/x");
  expect(stack).toBeDefined();
  expect(await pinnedCommits(aws.clients, pipelineOf(stack!))).toEqual([A]);
  const ours = github.checkRunsFor(A).filter((c) => c.app_id === github.model.ownAppId);
  expect(ours).toHaveLength(1);
  expect(ours[0]).toMatchObject({ name: "branchline: branch/feature/x", conclusion: "success" });
});

it("reports the end of a run on its own check run during reconciliation, ignoring another App's", async () => {
  const { github, app } = scene;
  givenRepository(github);
  github.repository.branch("main", A);
  await app.reconciler.pass({ reportOnly: false });
  await app.settle();
  const own = github.checkRunsFor(A).find((c) => c.name === "branchline: staging")!;
  expect(own.conclusion).toBe("success");
  // Another App claims the run is still going under the same name, newer than branchline's.
  github.model.plantCheckRun("octo-org/shop", {
    name: "branchline: staging",
    head_sha: A,
    app_id: GITHUB_ACTIONS_APP_ID,
    status: "in_progress",
    external_id: own.external_id,
  });

  const summary = await app.reconciler.pass({ reportOnly: true });
  expect(summary.actions.filter((a) => a.kind === "resume")).toEqual([]);
});

it("does not promote a commit staging never ran although another App wrote a successful `branchline: staging` check run on it", async () => {
  const { aws, github, app } = scene;
  givenRepository(github);
  github.ref("main", A);
  await app.deliver("push", pushToBranch("main", A));
  await app.settle();
  // B goes onto the default branch without staging running it (no push delivered), and a workflow
  // token writes the check run branchline would have written.
  github.repository.ancestors(B, [A]);
  github.ref("main", B);
  github.model.plantCheckRun("octo-org/shop", {
    name: "branchline: staging",
    head_sha: B,
    app_id: GITHUB_ACTIONS_APP_ID,
    conclusion: "success",
    external_id: "forged-execution",
  });
  aws.emulator.control.resetCalls();

  github.ref("refs/tags/v1.0.0", B);
  await app.deliver("push", pushTag("v1.0.0", B));
  await app.settle();

  const production = github
    .checkRunsFor(B)
    .filter((c) => c.name === "branchline: production" && c.app_id === github.model.ownAppId);
  expect(production).toHaveLength(1);
  expect(production[0]).toMatchObject({ status: "completed", conclusion: "failure" });
  expect(production[0]!.output.title).toBe("Not promoted: 1 criterion unmet");
  expect(production[0]!.output.summary).toContain(
    `**staging-success**: staging has not run commit \`${B.slice(0, 12)}\``,
  );
  for (const service of ["cloudformation", "codepipeline", "s3", "codebuild"])
    expect(mutationCount(aws, service), service).toBe(0);
  expect(github.model.deploymentsFor("octo-org/shop", "production")).toEqual([]);
});
