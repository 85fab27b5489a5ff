import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { allStacks, tagsOf, type EmulatedAws, emulatedAws } from "../support/aws.js";
import { startFakeGitHubServer, type FakeGitHubServer } from "../support/fake-github-server.js";
import { INSTALLATION_ID, installationEvent } from "../support/payloads.js";
import {
  deliverWebhook,
  eventually,
  generateAppKeyPair,
  startAppServer,
  stopAllProcesses,
  type AppCredentials,
  type AppServer,
} from "../support/processes.js";

// Not from support/scenario.js: it loads nock, which would intercept this file's own fetches.
const TEMPLATE = readFileSync(new URL("../fixtures/templates/small-pipeline.yml", import.meta.url), "utf8");
const TEMPLATE_PATH = ".github/branchline/pipeline.yml";
const CONFIG = `
parameters:
  all:
    ConnectionArn: arn:aws:codeconnections:us-east-1:123456789012:connection/0a1b2c3d
`;
const APP_ID = 4343;
const keys = generateAppKeyPair();
const REPOSITORIES = ["shop", "web", "billing"] as const;
const HEADS = ["1".repeat(40), "2".repeat(40), "3".repeat(40)] as const;

describe("the built server, installed on an organisation", () => {
  let github: FakeGitHubServer;
  let aws: EmulatedAws;
  let app: AppServer;
  let credentials: AppCredentials;

  beforeEach(async () => {
    credentials = { appId: APP_ID, privateKey: keys.privateKey, webhookSecret: `webhook-secret-${randomUUID()}` };
    github = await startFakeGitHubServer({ appId: APP_ID, appPublicKey: keys.publicKey });
    REPOSITORIES.forEach((name, index) => {
      github.model
        .repository("octo-org", name)
        .file("main", ".github/branchline.yml", CONFIG)
        .file(HEADS[index]!, TEMPLATE_PATH, TEMPLATE)
        .branch("main", HEADS[index]!);
    });
    aws = await emulatedAws({ timing: { stackOperationMs: 0, changeSetMs: 0, actionMs: 50 } });
    // An hour between passes: whatever is set up within the test was set up by the look the event caused.
    app = await startAppServer({
      githubHost: github.host,
      awsEndpoint: aws.emulator.url,
      credentials,
      env: { BRANCHLINE_RECONCILE_MINUTES: "60" },
    });
  });

  afterEach(async () => {
    try {
      await stopAllProcesses();
    } finally {
      await github?.close();
      await aws?.close();
    }
  });

  it("sets up all three configured repositories from the installation event, not at the next reconcile pass", async () => {
    // The start-up pass has run and found no installation.
    await eventually(
      () => app.process.lines().find((line) => line.includes('"msg":"reconcile pass"')),
      30_000,
      "the start-up pass",
      () => app.process.text(),
    );
    expect(await allStacks(aws.clients)).toEqual([]);

    github.model.install(
      INSTALLATION_ID,
      "octo-org",
      REPOSITORIES.map((name) => `octo-org/${name}`),
    );
    const delivery = await deliverWebhook(
      app.webhookUrl,
      credentials.webhookSecret,
      "installation",
      installationEvent("created", {
        repositories: REPOSITORIES.map((name, index) => ({ id: 100 + index, owner: "octo-org", name })),
      }),
    );
    expect(delivery.status, delivery.body).toBe(200);

    for (const [index, name] of REPOSITORIES.entries()) {
      const check = await eventually(
        () => github.model.checkRunsFor(HEADS[index]!, `octo-org/${name}`).find((c) => c.status === "completed"),
        90_000,
        `octo-org/${name}'s staging check run`,
        () => app.process.text(),
      );
      expect(check).toMatchObject({ name: "branchline: staging", conclusion: "success" });
    }
    const stacks = await allStacks(aws.clients);
    expect(stacks.map((s) => tagsOf(s)["branchline:repository"]).sort()).toEqual([
      "octo-org/billing",
      "octo-org/shop",
      "octo-org/web",
    ]);
    expect(stacks.every((s) => tagsOf(s)["branchline:environment"] === "staging")).toBe(true);
    // One look at the installation did it; the only reconcile pass is the start-up one.
    expect(app.process.lines().filter((line) => line.includes('"msg":"look at installation 42"'))).toHaveLength(1);
    expect(app.process.lines().filter((line) => line.includes('"msg":"reconcile pass"'))).toHaveLength(1);
    github.model.assertClean();
  });
});
