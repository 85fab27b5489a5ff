import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FakeGitHub } from "../support/fake-github.js";
import type { RunningApp } from "../support/branchline.js";
import { allStacks, pinnedCommits, tagsOf, type EmulatedAws } from "../support/aws.js";
import { pushToBranch } from "../support/payloads.js";
import { A, B, C, closeScene, CONFIG, givenRepository, openScene, pipelineOf, TEMPLATE } from "../support/scenario.js";

const DAY = 86_400_000;
const HOUR = 3_600_000;

let aws: EmulatedAws;
let github: FakeGitHub;
let app: RunningApp;
/** How far branchline's clock is ahead of the emulator's (which stamps the runs it starts). */
let ahead = 0;

beforeEach(async () => {
  ahead = 0;
  ({ aws, github, app } = await openScene({ clock: () => new Date(Date.now() + ahead) }));
});

afterEach(() => closeScene({ aws, github, app }));

const HIBERNATING_TEMPLATE = TEMPLATE.replace(
  "  ConnectionArn:\n",
  '  BranchlineHibernate:\n    Type: String\n    Default: "false"\n  ConnectionArn:\n',
);

async function push(branch: string, commit: string, created = false) {
  github.repository.branch(branch, commit);
  await app.deliver("push", pushToBranch(branch, commit, { created }));
  await app.settle();
}

async function pass() {
  const summary = await app.reconciler.pass({ reportOnly: false });
  await app.settle();
  expect(summary.errors).toEqual([]);
  return summary;
}

async function stackOf(branch: string) {
  return (await allStacks(aws.clients)).find((s) => tagsOf(s)["branchline:ref"] === `refs/heads/${branch}`);
}

function checkOf(commit: string) {
  const [check] = github.checkRunsFor(commit);
  expect(check).toBeDefined();
  return check!;
}

describe("branches.ttl", () => {
  it("warns a day before, tears down at the deadline, leaves it down, and the next push recreates it", async () => {
    givenRepository(github, { config: `${CONFIG}branches:\n  ttl: 7d\n` });
    await push("feature/old", B, true);
    expect(checkOf(B).conclusion).toBe("success");

    ahead = 5 * DAY;
    await pass();
    expect(checkOf(B).output.summary).not.toContain("Idle environment");

    ahead = 6 * DAY + 2 * HOUR;
    const warned = await pass();
    expect(warned.actions.map((a) => a.kind)).toEqual(["idle"]);
    expect(checkOf(B).output.summary).toMatch(
      /^> \*\*Idle environment\*\*: branch `feature\/old` .* will be torn down at /,
    );
    expect(checkOf(B).conclusion).toBe("success");
    expect(await stackOf("feature/old")).toBeDefined();

    ahead = 6 * DAY + 12 * HOUR;
    expect((await pass()).actions).toEqual([]);
    expect(checkOf(B).output.summary.match(/Idle environment/g)).toHaveLength(1);

    // The deadline is 7 days after the push, but never less than a full day after the warning.
    ahead = 7 * DAY + HOUR;
    expect((await pass()).actions).toEqual([]);
    ahead = 7 * DAY + 3 * HOUR;
    await pass();
    expect(await stackOf("feature/old")).toBeUndefined();
    expect(checkOf(B).output.summary).toMatch(/^> \*\*Torn down\*\*: no push for 7d/);
    const deployment = github.model.deploymentsFor("octo-org/shop", "branch/feature/old")[0]!;
    expect(deployment.statuses.at(-1)).toMatchObject({ state: "inactive" });
    expect(deployment.statuses.at(-1)!.description).toContain("no push for 7d");

    // Down on purpose: the reconciler does not bring it back for the same head...
    expect((await pass()).actions).toEqual([]);
    expect(await stackOf("feature/old")).toBeUndefined();

    // ...but the next push does, as usual.
    await push("feature/old", C);
    const recreated = await stackOf("feature/old");
    expect(recreated?.StackStatus).toBe("CREATE_COMPLETE");
    expect(await pinnedCommits(aws.clients, pipelineOf(recreated!))).toEqual([C]);
    expect(checkOf(C).conclusion).toBe("success");
  });

  it("warns first even when the deadline passed unseen, and ends it only a warning period later", async () => {
    givenRepository(github, { config: `${CONFIG}branches:\n  ttl: 7d\n` });
    await push("feature/late", B, true);
    ahead = 30 * DAY;
    await pass();
    expect(await stackOf("feature/late")).toBeDefined();
    expect(checkOf(B).output.summary).toContain("Idle environment");
    ahead = 30 * DAY + 23 * HOUR;
    await pass();
    expect(await stackOf("feature/late")).toBeDefined();
    ahead = 31 * DAY + HOUR;
    await pass();
    expect(await stackOf("feature/late")).toBeUndefined();
  });

  it("hibernates where the template declares BranchlineHibernate, and a push wakes it", async () => {
    givenRepository(github, { config: `${CONFIG}branches:\n  ttl: 2d\n`, template: HIBERNATING_TEMPLATE });
    await push("feature/sleepy", A, true);
    const parameter = async () =>
      (await stackOf("feature/sleepy"))?.Parameters?.find((p) => p.ParameterKey === "BranchlineHibernate")
        ?.ParameterValue;
    expect(await parameter()).toBe("false");

    ahead = 1 * DAY + HOUR;
    await pass();
    expect(checkOf(A).output.summary).toMatch(/will be hibernated at/);
    ahead = 2 * DAY + HOUR;
    await pass();
    expect(await parameter()).toBe("true");
    expect((await stackOf("feature/sleepy"))?.StackStatus).toBe("UPDATE_COMPLETE");
    expect(checkOf(A).output.summary).toMatch(/^> \*\*Hibernated\*\*/);
    // Asleep: later passes leave it be.
    ahead = 20 * DAY;
    expect((await pass()).actions).toEqual([]);

    await push("feature/sleepy", B);
    expect(await parameter()).toBe("false");
    const stack = (await stackOf("feature/sleepy"))!;
    expect(await pinnedCommits(aws.clients, pipelineOf(stack))).toEqual([A, B]);
    expect(checkOf(B).conclusion).toBe("success");
  });

  it("warns on the pull request with one comment by branchline's App, however many passes and whatever others wrote", async () => {
    givenRepository(github, { config: `${CONFIG}branches:\n  ttl: 7d\n` });
    await push("feature/talked", B, true);
    github.repository.pullRequest(9, "feature/talked");
    // Anyone can write branchline's marker into a comment: it is not branchline's warning.
    github.model.plantComment("octo-org/shop", 9, {
      login: "mallory",
      body: `<!-- branchline:idle warned=${new Date(Date.now() + 6 * DAY).toISOString()} -->`,
    });

    ahead = 6 * DAY + 2 * HOUR;
    await pass();
    const own = () => github.model.commentsOn("octo-org/shop", 9).filter((c) => c.performed_via_github_app !== null);
    expect(own()).toHaveLength(1);
    expect(own()[0]!.body).toMatch(
      /^\*\*Idle environment\*\*: branch `feature\/talked` has had no push .* will be torn down at /,
    );
    expect(own()[0]!.body).toContain("`branchline:keep`");
    expect(checkOf(B).output.summary).not.toContain("Idle environment");

    ahead = 6 * DAY + 12 * HOUR;
    await pass();
    expect(own()).toHaveLength(1);
    // The deadline counts from branchline's own warning (a day), not from the planted one.
    ahead = 7 * DAY + HOUR;
    await pass();
    expect(await stackOf("feature/talked")).toBeDefined();
    ahead = 7 * DAY + 3 * HOUR;
    await pass();
    expect(await stackOf("feature/talked")).toBeUndefined();
    expect(own()).toHaveLength(1);
  });

  it("notes the check run instead when the installation has not granted pull_requests: write (app.yml asks it since the warnings became comments)", async () => {
    givenRepository(github, { config: `${CONFIG}branches:\n  ttl: 7d\n` });
    await push("feature/old-grant", B, true);
    github.repository.pullRequest(4, "feature/old-grant");
    github.model.refuseComments = true;
    ahead = 6 * DAY + 2 * HOUR;
    expect((await pass()).errors).toEqual([]);
    expect(github.model.commentsOn("octo-org/shop", 4)).toEqual([]);
    expect(checkOf(B).output.summary).toMatch(/^> \*\*Idle environment\*\*: branch `feature\/old-grant`/);
    ahead = 7 * DAY + 3 * HOUR;
    await pass();
    expect(await stackOf("feature/old-grant")).toBeUndefined();
  });

  it("keeps an environment while its pull request is labelled branchline:keep, and restarts the clock when the label comes off", async () => {
    givenRepository(github, { config: `${CONFIG}branches:\n  ttl: 7d\n` });
    await push("feature/kept", B, true);
    github.repository.pullRequest(7, "feature/kept", { labels: ["branchline:keep"] });
    ahead = 40 * DAY;
    expect((await pass()).actions).toEqual([]);
    expect(github.model.commentsOn("octo-org/shop", 7)).toEqual([]);
    expect(await stackOf("feature/kept")).toBeDefined();

    // Off at day 40: a full ttl from then, as after a push.
    github.repository.unlabel(7, "branchline:keep", new Date(Date.now() + ahead));
    expect((await pass()).actions).toEqual([]);
    ahead = 45 * DAY;
    expect((await pass()).actions).toEqual([]);
    ahead = 46 * DAY + 2 * HOUR;
    await pass();
    expect(github.model.commentsOn("octo-org/shop", 7).map((c) => c.body)).toEqual([
      expect.stringMatching(/will be torn down at /),
    ]);
    expect(await stackOf("feature/kept")).toBeDefined();
  });

  it("restarts the clock when the branchline:keep label goes on, even if it comes off again at once", async () => {
    givenRepository(github, { config: `${CONFIG}branches:\n  ttl: 7d\n` });
    await push("feature/nudged", B, true);
    github.repository.pullRequest(3, "feature/nudged");
    ahead = 5 * DAY;
    github.repository
      .label(3, "branchline:keep", new Date(Date.now() + ahead))
      .unlabel(3, "branchline:keep", new Date(Date.now() + ahead + 60_000));
    ahead = 6 * DAY + 2 * HOUR;
    expect((await pass()).actions).toEqual([]);
    ahead = 11 * DAY + 2 * HOUR;
    await pass();
    expect(github.model.commentsOn("octo-org/shop", 3)).toHaveLength(1);
  });

  it("keeps branches with an open pull request when branches.keepOpenPullRequests is set", async () => {
    givenRepository(github, { config: `${CONFIG}branches:\n  ttl: 7d\n  keepOpenPullRequests: true\n` });
    await push("feature/reviewed", B, true);
    await push("feature/abandoned", C, true);
    github.repository.pullRequest(8, "feature/reviewed");
    ahead = 40 * DAY;
    const summary = await pass();
    expect(summary.actions.map((a) => a.kind === "idle" && `${a.ref.name} ${a.step}`)).toEqual([
      "feature/abandoned warn",
    ]);
  });
});

describe("branches.maxEnvironments", () => {
  it("makes room by tearing down the least recently pushed idle environment, and says so on a branch it cannot make room for", async () => {
    givenRepository(github, {
      config: `${CONFIG}branches:\n  maxEnvironments: 2\n`,
      commits: [A, B, C, "d".repeat(40), "e".repeat(40)],
    });
    await push("feature/one", A, true);
    await push("feature/two", B, true);
    await push("feature/three", C, true);
    const branches = async () => (await allStacks(aws.clients)).map((s) => tagsOf(s)["branchline:ref"]).sort();
    expect(await branches()).toEqual(["refs/heads/feature/three", "refs/heads/feature/two"]);
    expect(checkOf(A).output.summary).toMatch(/^> \*\*Torn down\*\*: made room for `feature\/three`/);

    // Two is kept by its label, so three (the only idle one) goes for four.
    github.repository.pullRequest(2, "feature/two", { labels: ["branchline:keep"] });
    await push("feature/four", "d".repeat(40), true);
    expect(await branches()).toEqual(["refs/heads/feature/four", "refs/heads/feature/two"]);

    // Both kept now: five waits, and its check run says why instead of failing.
    github.repository.pullRequest(4, "feature/four", { labels: ["branchline:keep"] });
    await push("feature/five", "e".repeat(40), true);
    expect(await branches()).toEqual(["refs/heads/feature/four", "refs/heads/feature/two"]);
    const waiting = checkOf("e".repeat(40));
    expect(waiting).toMatchObject({
      name: "branchline: branch/feature/five",
      status: "completed",
      conclusion: "neutral",
    });
    expect(waiting.output.title).toBe("Waiting for room: 2 of 2 environments in use");

    // Room again (two's label comes off): the reconcile pass deploys five, making room as a push would.
    github.repository.pullRequests.get(2)!.labels = [];
    await pass();
    expect(await branches()).toEqual(["refs/heads/feature/five", "refs/heads/feature/four"]);
    expect(checkOf("e".repeat(40)).conclusion).toBe("success");
  });
});
