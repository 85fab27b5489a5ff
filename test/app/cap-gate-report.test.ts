import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FakeGitHub } from "../support/fake-github.js";
import type { RunningApp } from "../support/branchline.js";
import type { EmulatedAws } from "../support/aws.js";
import { pushToBranch } from "../support/payloads.js";
import { eventually } from "../support/processes.js";
import { A, closeScene, CONFIG, openScene, TEMPLATE } from "../support/scenario.js";
import { TEMPLATE_PATH } from "../support/repository-fixtures.js";

const E = "e".repeat(40);

let aws: EmulatedAws;
let github: FakeGitHub;
let app: RunningApp;

beforeEach(async () => {
  ({ aws, github, app } = await openScene());
});

afterEach(async () => {
  github.writes.release();
  await closeScene({ aws, github, app });
});

/** Waits (up to `ms`) for the engine to have nothing running or waiting; GitHub's writes may still be outstanding. */
async function engineIdle(ms: number): Promise<boolean> {
  return eventually(
    () => (app.engine.pending.running + app.engine.pending.waiting === 0 ? true : undefined),
    ms,
    "the engine to be idle",
  ).catch(() => false);
}

describe("branches.maxEnvironments reports through the environment's check run", () => {
  it("a branch held back by the cap whose commit's check run is still on its way to GitHub gets that check run, not a second one, and the engine does not wait for GitHub", async () => {
    github.file("main", ".github/branchline.yml", `${CONFIG}branches:\n  maxEnvironments: 1\n`);
    github.file(A, TEMPLATE_PATH, TEMPLATE);
    github.writes.hold();

    // feature/five at E has no template: its look fails before any stack, and its check run
    // ("failed") waits in the outbox while GitHub answers no write.
    github.repository.branch("feature/five", E);
    await app.deliver("push", pushToBranch("feature/five", E, { created: true }));
    expect(await engineIdle(20_000)).toBe(true);

    // feature/one takes the only room, kept by its label.
    github.repository.branch("feature/one", A);
    github.repository.pullRequest(1, "feature/one", { labels: ["branchline:keep"] });
    await app.deliver("push", pushToBranch("feature/one", A, { created: true }));
    expect(await engineIdle(30_000)).toBe(true);

    // GitHub redelivers five's push: now over the cap. The cap's word goes to the same check run,
    // through the outbox, so the look ends without waiting for GitHub.
    await app.deliver("push", pushToBranch("feature/five", E));
    expect(await engineIdle(10_000)).toBe(true);
    expect(github.writes.answered).toBe(0);

    github.writes.release();
    await app.settle();
    const checks = github.checkRunsFor(E);
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({
      name: "branchline: branch/feature/five",
      status: "completed",
      conclusion: "neutral",
    });
    expect(checks[0]!.output.title).toBe("Waiting for room: 1 of 1 environments in use");
  }, 90_000);
});
