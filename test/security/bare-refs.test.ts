import { afterEach, beforeEach, expect, it } from "vitest";
import { allStacks, tagsOf } from "../support/aws.js";
import { pushTag, pushToBranch } from "../support/payloads.js";
import { A, B, C, closeScene, CONFIG, openScene, TEMPLATE, TEMPLATE_PATH, type Scene } from "../support/scenario.js";

/**
 * Point 7: a tag named like the default branch must never stand in for it. git (and GitHub) resolve
 * a bare `main` to `refs/tags/main` before `refs/heads/main`.
 */
let scene: Scene;
beforeEach(async () => (scene = await openScene()));
afterEach(() => closeScene(scene));

const EVIL_ROLE = "arn:aws:iam::123456789012:role/branchline-production-deployer";

it("reads the config from refs/heads/<default>, not from a tag of that name", async () => {
  const { aws, github, app } = scene;
  github.file(A, ".github/branchline.yml", CONFIG).file(A, TEMPLATE_PATH, TEMPLATE).ref("main", A);
  // A writer pushes a tag `main` at a commit whose config gives branches production's role.
  github.file(C, ".github/branchline.yml", `${CONFIG}roles:\n  branch: ${EVIL_ROLE}\n`).ref("refs/tags/main", C);
  github.file(B, TEMPLATE_PATH, TEMPLATE);

  await app.deliver("push", pushToBranch("feature/x", B, { created: true }));
  await app.settle();

  const stack = (await allStacks(aws.clients)).find((s) => tagsOf(s)["branchline:ref"] === "refs/heads/feature/x")!;
  expect(stack).toBeDefined();
  expect(stack.RoleARN).toBeUndefined();
});

it("asks whether a release is on refs/heads/<default>, not on a tag of that name", async () => {
  const { github, app } = scene;
  github.file(A, ".github/branchline.yml", CONFIG).file(A, TEMPLATE_PATH, TEMPLATE).ref("main", A);
  github.file(B, TEMPLATE_PATH, TEMPLATE);
  // B was never merged; a tag `main` points at it, and the release tag too.
  github.ref("refs/tags/main", B).ref("refs/tags/v1.0.0", B);
  github.file(B, ".github/branchline.yml", CONFIG);

  await app.deliver("push", pushTag("v1.0.0", B));
  await app.settle();

  const production = github.checkRunsFor(B).find((c) => c.name === "branchline: production")!;
  expect(production.conclusion).toBe("failure");
  expect(production.output.summary).toContain("**on-default-branch**");
  const compares = github.calls("GET", /\/compare\//).map((r) => decodeURIComponent(r.path));
  expect(compares.length).toBeGreaterThan(0);
  expect(compares.every((path) => path.includes("refs/heads/main..."))).toBe(true);
});
