import { readFileSync } from "node:fs";
import { randomUUID } from "node:crypto";
import {
  CreateStackCommand,
  ListChangeSetsCommand,
  waitUntilStackCreateComplete,
} from "@aws-sdk/client-cloudformation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CallRecord } from "@branchline/aws-emulator";
import { allStacks, emulatedAws, tagsOf, type EmulatedAws } from "../support/aws.js";
import { startFakeGitHubServer, type FakeGitHubServer } from "../support/fake-github-server.js";
import type { RepositoryModel } from "../support/github-model.js";
import { INSTALLATION_ID, pullRequestEvent, pushToBranch } from "../support/payloads.js";
import {
  deliverWebhook,
  eventually,
  generateAppKeyPair,
  startAppServer,
  stopAllProcesses,
  type AppCredentials,
  type AppServer,
} from "../support/processes.js";

const PIPELINE = readFileSync(new URL("../fixtures/templates/app-pipeline.yml", import.meta.url), "utf8");
const CONFIG = `
parameters:
  all:
    ConnectionArn: arn:aws:codeconnections:us-east-1:123456789012:connection/0a1b2c3d
`;
const DATABASE = (name: string) => `
  Database:
    Type: AWS::RDS::DBInstance
    Properties: { DBInstanceIdentifier: ${name}, Engine: postgres, DBInstanceClass: db.t3.micro, AllocatedStorage: "20" }`;
const APP_BEFORE = `Parameters:\n  Environment: { Type: String }\nResources:${DATABASE("orders")}\n`;
const APP_AFTER = `Parameters:\n  Environment: { Type: String }\nResources:\n  Uploads:\n    Type: AWS::S3::Bucket${DATABASE("orders-v2")}\n`;
const APP_LATER = `Parameters:\n  Environment: { Type: String }\nResources:\n  Uploads:\n    Type: AWS::S3::Bucket\n  Thumbnails:\n    Type: AWS::S3::Bucket${DATABASE("orders")}\n`;
const A = "a".repeat(40);
const B = "b".repeat(40);
const C = "c".repeat(40);
const D = "d".repeat(40);
const APP_ID = 4343;
const keys = generateAppKeyPair();

/** The cases share one server start (CI's time budget) and run in order, each on what the one before left. */
describe("the built server previews a pull request into the default branch", () => {
  let github: FakeGitHubServer;
  let repo: RepositoryModel;
  let aws: EmulatedAws;
  let app: AppServer;
  let credentials: AppCredentials;
  let staging: string;
  let application: string;
  const calls: CallRecord[] = [];
  let started = 0;

  beforeAll(async () => {
    started = Date.now();
    credentials = { appId: APP_ID, privateKey: keys.privateKey, webhookSecret: `webhook-secret-${randomUUID()}` };
    github = await startFakeGitHubServer({ appId: APP_ID, appPublicKey: keys.publicKey });
    repo = github.model.repository("octo-org", "shop");
    github.model.install(INSTALLATION_ID, "octo-org", ["octo-org/shop"]);
    repo.file("main", ".github/branchline.yml", CONFIG);
    for (const commit of [A, B, C, D]) repo.file(commit, ".github/branchline/pipeline.yml", PIPELINE);
    repo
      .file(A, "app/template.yml", APP_BEFORE)
      .file(B, "app/template.yml", APP_AFTER)
      .file(C, "app/template.yml", APP_BEFORE)
      .file(D, "app/template.yml", APP_LATER);
    aws = await emulatedAws({
      timing: { stackOperationMs: 0, changeSetMs: 0, actionMs: 50 },
      onCall: (call) => void calls.push(call),
    });
    app = await startAppServer({
      githubHost: github.host,
      awsEndpoint: aws.emulator.url,
      credentials,
      env: { BRANCHLINE_DEBOUNCE_MS: "0" },
    });
  }, 60_000);

  afterAll(async () => {
    try {
      await stopAllProcesses();
    } finally {
      await github?.close();
      await aws?.close();
      console.info(`[staging-preview process test] ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
  });

  it("shows the replaced database before the added bucket on the PR head, and leaves no change set behind", async () => {
    repo.branch("main", A);
    expect(
      (await deliverWebhook(app.webhookUrl, credentials.webhookSecret, "push", pushToBranch("main", A))).status,
    ).toBe(200);
    await eventually(
      () => github.model.checkRunsFor(A).find((c) => c.name === "branchline: staging" && c.status === "completed"),
      90_000,
      "staging's first run",
      () => app.process.text(),
    );
    const stagingStack = (await allStacks(aws.clients)).find((s) => tagsOf(s)["branchline:environment"] === "staging")!;
    staging = stagingStack.StackName!;
    application = stagingStack.Outputs!.find((o) => o.OutputKey === "ApplicationStackName")!.OutputValue!;
    if (!(await allStacks(aws.clients)).some((s) => s.StackName === application)) {
      // What staging's Deploy action made (made here where the emulator's action makes no stack).
      await aws.clients.cloudformation.send(
        new CreateStackCommand({
          StackName: application,
          TemplateBody: APP_BEFORE,
          Parameters: [{ ParameterKey: "Environment", ParameterValue: "staging" }],
        }),
      );
      await waitUntilStackCreateComplete(
        { client: aws.clients.cloudformation, maxWaitTime: 30, minDelay: 0.05, maxDelay: 0.2 },
        { StackName: application },
      );
    }

    repo.branch("feature/orders", B);
    const opened = pullRequestEvent("opened", { branch: "feature/orders", sha: B });
    (opened.pull_request as { base: { ref: string }; number: number }).base.ref = "main";
    (opened.pull_request as { number: number }).number = 7;
    expect((await deliverWebhook(app.webhookUrl, credentials.webhookSecret, "pull_request", opened)).status).toBe(200);

    const preview = await eventually(
      () =>
        github.model.checkRunsFor(B).find((c) => c.name === "branchline: staging preview" && c.status === "completed"),
      90_000,
      "the staging preview",
      () => app.process.text(),
    );
    expect(preview.conclusion, preview.output.summary).toBe("success");
    const summary = preview.output.summary;
    const replaced = summary.indexOf("| replaced | Database | AWS::RDS::DBInstance | stateful |");
    const added = summary.indexOf("| added | Uploads | AWS::S3::Bucket | stateful |");
    expect(replaced, summary).toBeGreaterThan(0);
    expect(added).toBeGreaterThan(replaced);
    expect(summary.indexOf("## Needs attention")).toBeLessThan(replaced);

    for (const name of [staging, application]) {
      expect((await aws.clients.cloudformation.send(new ListChangeSetsCommand({ StackName: name }))).Summaries).toEqual(
        [],
      );
    }
    // The pull request also deploys the branch's own environment (its create passes through REVIEW_IN_PROGRESS).
    await eventually(
      () =>
        github.model
          .checkRunsFor(B)
          .find((c) => c.name === "branchline: branch/feature/orders" && c.status === "completed"),
      90_000,
      "the branch's own run",
      () => app.process.text(),
    );
    expect(
      (await allStacks(aws.clients)).filter((s) => s.StackStatus === "REVIEW_IN_PROGRESS").map((s) => s.StackName),
    ).toEqual([]);
    github.model.assertClean();
  });

  it("does not hold a deploy to staging back while a preview waits on CloudFormation", async () => {
    // Every DeleteChangeSet (only a preview deletes a change set here: the deploy's are executed)
    // takes 8 s: the preview of the new head is held in its change-set round trip.
    aws.emulator.control.setFaults({ service: "cloudformation", operation: "DeleteChangeSet", latencyMs: 8_000 });
    const from = calls.length;
    repo.branch("feature/orders", D);
    const synchronized = pullRequestEvent("synchronize", { branch: "feature/orders", sha: D });
    (synchronized.pull_request as { base: { ref: string }; number: number }).base.ref = "main";
    (synchronized.pull_request as { number: number }).number = 7;
    expect((await deliverWebhook(app.webhookUrl, credentials.webhookSecret, "pull_request", synchronized)).status).toBe(
      200,
    );
    await eventually(
      () => calls.slice(from).find((c) => c.operation === "CreateChangeSet" && c.target === application),
      60_000,
      "the preview's change set",
      () => app.process.text(),
    );

    // Merged meanwhile: staging's deploy of C goes ahead in its own lane.
    repo.branch("main", C);
    expect(
      (await deliverWebhook(app.webhookUrl, credentials.webhookSecret, "push", pushToBranch("main", C))).status,
    ).toBe(200);
    const deployed = await eventually(
      () =>
        calls
          .slice(from)
          .find(
            (c) => c.target === staging && /^(ExecuteChangeSet|StartPipelineExecution|UpdateStack)$/.test(c.operation),
          ),
      60_000,
      "staging's deploy",
      () => app.process.text(),
    );
    aws.emulator.control.clearFaults();

    const preview = await eventually(
      () =>
        github.model.checkRunsFor(D).find((c) => c.name === "branchline: staging preview" && c.status === "completed"),
      90_000,
      "the preview of D",
      () => app.process.text(),
    );
    const held = calls.slice(from).find((c) => c.operation === "DeleteChangeSet" && c.target === application)!;
    expect(held).toBeDefined();
    // Ordering, not timing: staging's deploy started before the preview's round trip was over.
    expect(deployed.startedMs).toBeLessThan(held.endedMs);
    expect(preview.output.summary).toContain("| added | Thumbnails | AWS::S3::Bucket | stateful |");
    for (const name of [staging, application]) {
      expect((await aws.clients.cloudformation.send(new ListChangeSetsCommand({ StackName: name }))).Summaries).toEqual(
        [],
      );
    }
    await eventually(
      () => github.model.checkRunsFor(C).find((c) => c.name === "branchline: staging" && c.status === "completed"),
      90_000,
      "staging's run of C",
      () => app.process.text(),
    );
    console.info(
      `[staging-preview] calls after the fault: ${calls
        .slice(from)
        .filter((c) => !/^(Describe|List|Get)/.test(c.operation))
        .map((c) => `${c.operation}:${c.target}`)
        .join(", ")}`,
    );
  });
});
