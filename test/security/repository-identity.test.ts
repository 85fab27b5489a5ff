import { afterEach, beforeEach, expect, it } from "vitest";
import { allStacks, pinnedCommits, tagsOf } from "../support/aws.js";
import { pushToBranch } from "../support/payloads.js";
import {
  A,
  B,
  closeScene,
  CONFIG,
  givenRepository,
  openScene,
  pipelineOf,
  TEMPLATE,
  TEMPLATE_PATH,
  type Scene,
} from "../support/scenario.js";

/**
 * Point 6: stacks belong to a repository by its GitHub id, not its name. The original repository
 * `octo-org/shop` was renamed away; a new repository takes the old name.
 */
let scene: Scene;
beforeEach(async () => (scene = await openScene()));
afterEach(() => closeScene(scene));

async function originalRepositoryWithBranch() {
  const { aws, github, app } = scene;
  givenRepository(github, { commits: [A] });
  github.repository.branch("main", A).branch("feature/x", A);
  await app.deliver("push", pushToBranch("feature/x", A, { created: true }));
  await app.settle();
  const stack = (await allStacks(aws.clients)).find((s) => tagsOf(s)["branchline:ref"] === "refs/heads/feature/x")!;
  expect(tagsOf(stack)["branchline:repository-id"]).toBe(String(github.repository.id));
  return stack;
}

function newRepositoryOfTheSameName() {
  const { github } = scene;
  const impostor = github.model.replaceRepository("octo-org", "shop");
  impostor.file(B, ".github/branchline.yml", CONFIG).file(B, TEMPLATE_PATH, TEMPLATE).branch("main", B);
  return impostor;
}

it("a new repository of the old name does not adopt the old repository's stack", async () => {
  const { aws, github, app } = scene;
  const stack = await originalRepositoryWithBranch();
  const impostor = newRepositoryOfTheSameName();
  impostor.branch("feature/x", B);

  await app.deliver("push", pushToBranch("feature/x", B, { repositoryId: impostor.id }));
  await app.settle();

  expect(await pinnedCommits(aws.clients, pipelineOf(stack))).toEqual([A]);
  const check = github.model.checkRunsFor(B, "octo-org/shop").find((c) => c.name === "branchline: branch/feature/x")!;
  expect(check.conclusion).toBe("failure");
  expect(check.output.summary).toContain("another repository");
});

it("a reconcile pass of the new repository leaves the old repository's stacks alone", async () => {
  const { aws, app } = scene;
  const stack = await originalRepositoryWithBranch();
  newRepositoryOfTheSameName();

  const summary = await app.reconciler.pass({ reportOnly: false });
  await app.settle();

  expect(summary.actions.filter((a) => a.kind === "destroy")).toEqual([]);
  expect((await allStacks(aws.clients)).map((s) => s.StackName)).toContain(stack.StackName);
});
