import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allStacks, emulatedAws, tagsOf, type EmulatedAws } from "../support/aws.js";
import { startFakeGitHubServer, type FakeGitHubServer } from "../support/fake-github-server.js";
import type { RepositoryModel } from "../support/github-model.js";
import { CONFIG, TEMPLATE, TEMPLATE_PATH } from "../support/repository-fixtures.js";
import { INSTALLATION_ID, installationEvent, pushToBranch } from "../support/payloads.js";
import {
  deliverWebhook,
  eventually,
  generateAppKeyPair,
  startAppServer,
  stopAllProcesses,
  type AppCredentials,
  type AppServer,
} from "../support/processes.js";

/**
 * Idle environments end to end: the built server (with the test-only BRANCHLINE_TEST_CLOCK_FILE
 * moving its idle clock), the emulator, and the loopback fake GitHub. One server start serves every
 * case (one restart is part of a case): CI's time budget is tight. The cases run in order, each on
 * the state the one before left.
 */
const DAY = 86_400_000;
const HOUR = 3_600_000;
const APP_ID = 4646;
const keys = generateAppKeyPair();
const HIBERNATING = TEMPLATE.replace(
  "  ConnectionArn:\n",
  '  BranchlineHibernate:\n    Type: String\n    Default: "false"\n  ConnectionArn:\n',
);
const sha = (c: string) => c.repeat(40);

let github: FakeGitHubServer;
let shop: RepositoryModel;
let capped: RepositoryModel;
let aws: EmulatedAws;
let app: AppServer;
let credentials: AppCredentials;
let clockDir: string;
let clockFile: string;
let started = 0;

/** Moves the server's idle clock to `ms` after the real now (it reads the file at every look). */
function clockAt(ms: number): Date {
  writeFileSync(clockFile, String(ms));
  return new Date(Date.now() + ms);
}

async function push(repo: RepositoryModel, branch: string, commit: string, created: boolean): Promise<void> {
  repo.branch(branch, commit);
  const delivery = await deliverWebhook(
    app.webhookUrl,
    credentials.webhookSecret,
    "push",
    pushToBranch(branch, commit, { created, repo: repo.name }),
  );
  expect(delivery.status).toBe(200);
  const check = await eventually(
    () =>
      github.model
        .checkRunsFor(commit)
        .find((c) => c.name === `branchline: branch/${branch}` && c.status === "completed"),
    60_000,
    `${branch}'s run`,
    () => app.process.text(),
  );
  expect(check.conclusion, check.output.summary).toBe("success");
}

/** One look at the installation (what a reconcile pass does), waited for to its end. */
async function look(): Promise<void> {
  const from = app.process.lines().length;
  const delivery = await deliverWebhook(
    app.webhookUrl,
    credentials.webhookSecret,
    "installation",
    installationEvent("created"),
  );
  expect(delivery.status).toBe(200);
  await app.process.waitForLine(
    (line) => line.includes(`"msg":"look at installation ${INSTALLATION_ID}"`),
    60_000,
    from,
  );
}

async function stackOf(repo: string, branch: string) {
  return (await allStacks(aws.clients)).find(
    (s) =>
      tagsOf(s)["branchline:repository"] === `octo-org/${repo}` &&
      tagsOf(s)["branchline:ref"] === `refs/heads/${branch}`,
  );
}

const ownComments = (number: number) =>
  github.model.commentsOn("octo-org/shop", number).filter((c) => c.performed_via_github_app?.id === APP_ID);
const checkOf = (commit: string) =>
  github.model.checkRunsFor(commit).find((c) => c.name.startsWith("branchline: branch/"))!;

beforeAll(async () => {
  started = Date.now();
  clockDir = mkdtempSync(join(tmpdir(), "branchline-clock-"));
  clockFile = join(clockDir, "offset-ms");
  credentials = { appId: APP_ID, privateKey: keys.privateKey, webhookSecret: `webhook-secret-${randomUUID()}` };
  github = await startFakeGitHubServer({ appId: APP_ID, appPublicKey: keys.publicKey });
  github.model.install(INSTALLATION_ID, "octo-org", ["octo-org/shop", "octo-org/capped"]);
  shop = github.model.repository("octo-org", "shop");
  // No default branch ref: no staging to deploy, which this test does not need.
  shop.file("main", ".github/branchline.yml", `${CONFIG}branches:\n  ttl: 2d\n`);
  for (const c of ["1", "2", "3", "4"]) shop.file(sha(c), TEMPLATE_PATH, TEMPLATE);
  shop.file(sha("5"), TEMPLATE_PATH, HIBERNATING);
  capped = github.model.repository("octo-org", "capped");
  capped.file("main", ".github/branchline.yml", `${CONFIG}branches:\n  maxEnvironments: 2\n`);
  for (const c of ["6", "7", "8", "9"]) capped.file(sha(c), TEMPLATE_PATH, TEMPLATE);
  aws = await emulatedAws({ timing: { stackOperationMs: 0, changeSetMs: 0, actionMs: 50 } });
  app = await startAppServer({
    githubHost: github.host,
    awsEndpoint: aws.emulator.url,
    credentials,
    // Only the looks this test asks for (and the one at start-up) look for idleness.
    env: {
      BRANCHLINE_TEST_CLOCK_FILE: clockFile,
      BRANCHLINE_DEBOUNCE_MS: "0",
      BRANCHLINE_STACK_POLL_SECONDS: "1",
      BRANCHLINE_RECONCILE_MINUTES: "600",
      LOG_LEVEL: "info",
    },
  });
}, 60_000);

afterAll(async () => {
  try {
    await stopAllProcesses();
  } finally {
    await github?.close();
    await aws?.close();
    rmSync(clockDir, { recursive: true, force: true });
    // What CI's budget pays for this file (the issue asks to keep it lean).
    console.info(`[idle-environments process test] ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
});

describe("the built server ends idle environments (branches.ttl, on a test clock)", () => {
  it("warns a day before, once: a comment by its App on the pull request, a note on the check run without one; a label keeps", async () => {
    // All at once (separate lanes), the cap's first two too: CI's time is the budget here.
    await Promise.all([
      push(shop, "feature/talk", sha("1"), true),
      push(shop, "feature/sleep", sha("5"), true),
      push(shop, "feature/kept", sha("3"), true),
      push(capped, "feature/one", sha("6"), true),
      push(capped, "feature/two", sha("7"), true),
    ]);
    shop.pullRequest(5, "feature/talk");
    shop.pullRequest(6, "feature/kept", { labels: ["branchline:keep"] });
    // Anyone can paste branchline's marker; it must not count as a warning given.
    github.model.plantComment("octo-org/shop", 5, {
      login: "mallory",
      body: `<!-- branchline:idle warned=${new Date(Date.now() + DAY).toISOString()} -->`,
    });

    clockAt(12 * HOUR);
    await look();
    expect(ownComments(5)).toEqual([]);

    clockAt(DAY + 2 * HOUR);
    await look();
    await eventually(
      () => (ownComments(5).length > 0 ? true : undefined),
      30_000,
      "the warning on #5",
      () => app.process.text(),
    );
    expect(ownComments(5).map((c) => c.body)).toEqual([
      expect.stringMatching(
        /^\*\*Idle environment\*\*: branch `feature\/talk` .* will be torn down at .*`branchline:keep`/s,
      ),
    ]);
    await eventually(
      () => (checkOf(sha("5")).output.summary.includes("will be hibernated at") ? true : undefined),
      30_000,
      "the note on feature/sleep's check run",
    );
    expect(checkOf(sha("1")).output.summary).not.toContain("Idle environment");
    expect(ownComments(6)).toEqual([]);
    expect(checkOf(sha("3")).output.summary).not.toContain("Idle environment");
  });

  it("does not warn again after a restart (it finds its own comment)", async () => {
    const from = app.process.lines().length;
    await app.restart();
    await app.process.waitForLine((line) => line.includes('"msg":"reconcile pass"'), 60_000, from);
    await look();
    expect(ownComments(5)).toHaveLength(1);
    expect(checkOf(sha("5")).output.summary.match(/Idle environment/g)).toHaveLength(1);
  });

  it("at the deadline tears down or hibernates, and keeps the labelled one", async () => {
    clockAt(2 * DAY + 3 * HOUR);
    await look();
    await eventually(
      async () => ((await stackOf("shop", "feature/talk")) === undefined ? true : undefined),
      60_000,
      "feature/talk torn down",
      () => app.process.text(),
    );
    await eventually(
      async () =>
        (await stackOf("shop", "feature/sleep"))?.Parameters?.find((p) => p.ParameterKey === "BranchlineHibernate")
          ?.ParameterValue === "true"
          ? true
          : undefined,
      60_000,
      "feature/sleep hibernated",
      () => app.process.text(),
    );
    await eventually(
      () => (/^> \*\*Torn down\*\*: no push for 2d/.test(checkOf(sha("1")).output.summary) ? true : undefined),
      30_000,
      "the teardown's note",
    );
    expect((await stackOf("shop", "feature/kept"))?.StackStatus).toBe("CREATE_COMPLETE");
  });

  it("restarts the clock when the keep label comes off", async () => {
    shop.unlabel(6, "branchline:keep", clockAt(2 * DAY + 3 * HOUR));
    // Two days and more since feature/kept's push, but under one since the label came off.
    clockAt(3 * DAY + 2 * HOUR);
    await look();
    expect(ownComments(6)).toEqual([]);
    clockAt(3 * DAY + 4 * HOUR);
    await look();
    await eventually(
      () => (ownComments(6).length === 1 ? true : undefined),
      30_000,
      "the warning on #6",
      () => app.process.text(),
    );
    expect((await stackOf("shop", "feature/kept"))?.StackStatus).toBe("CREATE_COMPLETE");
  });

  it("recreates a torn-down environment on the next push", async () => {
    await push(shop, "feature/talk", sha("2"), false);
    expect((await stackOf("shop", "feature/talk"))?.StackStatus).toBe("CREATE_COMPLETE");
  });
});

describe("the built server keeps branches.maxEnvironments", () => {
  it("makes room by tearing down the least recently pushed environment, not the first made", async () => {
    // feature/one and feature/two were made together in the first case; one is pushed again since.
    await push(capped, "feature/one", sha("8"), false);
    await push(capped, "feature/three", sha("9"), true);
    const branches = async () =>
      (await allStacks(aws.clients))
        .filter((s) => tagsOf(s)["branchline:repository"] === "octo-org/capped")
        .map((s) => tagsOf(s)["branchline:ref"])
        .sort();
    await eventually(
      async () => ((await branches()).length === 2 ? true : undefined),
      60_000,
      "room made",
      () => app.process.text(),
    );
    expect(await branches()).toEqual(["refs/heads/feature/one", "refs/heads/feature/three"]);
    expect(checkOf(sha("7")).output.summary).toMatch(/^> \*\*Torn down\*\*: made room for `feature\/three`/);
  });
});
