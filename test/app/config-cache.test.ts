import { afterEach, beforeEach, expect, it } from "vitest";
import type { FakeGitHub } from "../support/fake-github.js";
import type { RunningApp } from "../support/branchline.js";
import type { EmulatedAws } from "../support/aws.js";
import { pushToBranch } from "../support/payloads.js";
import { A, B, C, closeScene, givenRepository, openScene } from "../support/scenario.js";

let aws: EmulatedAws;
let github: FakeGitHub;
let app: RunningApp;

beforeEach(async () => {
  ({ aws, github, app } = await openScene({ configCacheMs: 60_000 }));
  givenRepository(github);
});

afterEach(() => closeScene({ aws, github, app }));

/** Reads of the config's contents (its size, asked first from the metadata, goes with each read). */
const configReads = () =>
  github
    .calls("GET", /\/contents\/\.github%2Fbranchline\.yml|\/contents\/\.github\/branchline\.yml/)
    .filter((r) => (r.accept ?? "").includes("raw")).length;

it("reads a repository's config once for many jobs, and again after a push to the default branch", async () => {
  await app.deliver("push", pushToBranch("feature/a", A, { created: true }));
  await app.deliver("push", pushToBranch("feature/b", B, { created: true }));
  await app.settle();
  expect(configReads()).toBe(1);

  // The config changes the only way it can: a push to the default branch, which reads it afresh.
  github.file("main", ".github/branchline.yml", "branches: [unclosed\n");
  await app.deliver("push", pushToBranch("main", C));
  await app.settle();
  await app.deliver("push", pushToBranch("feature/c", C, { created: true }));
  await app.settle();
  expect(
    github
      .checkRunsFor(C)
      .map((c) => c.name)
      .sort(),
  ).toEqual(["branchline: config", "branchline: config"]);
});
