import { readFileSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { CreateStackCommand, ListChangeSetsCommand, waitUntilStackCreateComplete } from "@aws-sdk/client-cloudformation";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { allStacks, emulatedAws, tagsOf, type EmulatedAws } from "../support/aws.js";
import { startFakeGitHubServer, type FakeGitHubServer } from "../support/fake-github-server.js";
import type { RepositoryModel } from "../support/github-model.js";
import { INSTALLATION_ID, pullRequestEvent, pushToBranch } from "../support/payloads.js";
import { deliverWebhook, eventually, generateAppKeyPair, startAppServer, stopAllProcesses, type AppCredentials, type AppServer } from "../support/processes.js";

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
const A = "a".repeat(40);
const B = "b".repeat(40);
const APP_ID = 4343;
const keys = generateAppKeyPair();

describe("the built server previews a pull request into the default branch", () => {
  let github: FakeGitHubServer;
  let repo: RepositoryModel;
  let aws: EmulatedAws;
  let app: AppServer;
  let credentials: AppCredentials;

  beforeEach(async () => {
    credentials = { appId: APP_ID, privateKey: keys.privateKey, webhookSecret: `webhook-secret-${randomUUID()}` };
    github = await startFakeGitHubServer({ appId: APP_ID, appPublicKey: keys.publicKey });
    repo = github.model.repository("octo-org", "shop");
    github.model.install(INSTALLATION_ID, "octo-org", ["octo-org/shop"]);
    repo.file("main", ".github/branchline.yml", CONFIG);
    for (const commit of [A, B]) repo.file(commit, ".github/branchline/pipeline.yml", PIPELINE);
    repo.file(A, "app/template.yml", APP_BEFORE).file(B, "app/template.yml", APP_AFTER);
    aws = await emulatedAws({ timing: { stackOperationMs: 0, changeSetMs: 0, actionMs: 50 } });
    app = await startAppServer({ githubHost: github.host, awsEndpoint: aws.emulator.url, credentials });
  });

  afterEach(async () => {
    try {
      await stopAllProcesses();
    } finally {
      await github?.close();
      await aws?.close();
    }
  });

  it("shows the replaced database before the added bucket on the PR head, and leaves no change set behind", async () => {
    repo.branch("main", A);
    expect((await deliverWebhook(app.webhookUrl, credentials.webhookSecret, "push", pushToBranch("main", A))).status).toBe(200);
    await eventually(() => github.model.checkRunsFor(A).find((c) => c.name === "branchline: staging" && c.status === "completed"), 90_000, "staging's first run", () => app.process.text());
    const staging = (await allStacks(aws.clients)).find((s) => tagsOf(s)["branchline:environment"] === "staging")!;
    const application = staging.Outputs!.find((o) => o.OutputKey === "ApplicationStackName")!.OutputValue!;
    if (!(await allStacks(aws.clients)).some((s) => s.StackName === application)) {
      // What staging's Deploy action made (made here where the emulator's action makes no stack).
      await aws.clients.cloudformation.send(new CreateStackCommand({ StackName: application, TemplateBody: APP_BEFORE, Parameters: [{ ParameterKey: "Environment", ParameterValue: "staging" }] }));
      await waitUntilStackCreateComplete({ client: aws.clients.cloudformation, maxWaitTime: 30, minDelay: 0.05, maxDelay: 0.2 }, { StackName: application });
    }

    repo.branch("feature/orders", B);
    const opened = pullRequestEvent("opened", { branch: "feature/orders", sha: B });
    (opened.pull_request as { base: { ref: string }; number: number }).base.ref = "main";
    (opened.pull_request as { number: number }).number = 7;
    expect((await deliverWebhook(app.webhookUrl, credentials.webhookSecret, "pull_request", opened)).status).toBe(200);

    const preview = await eventually(() => github.model.checkRunsFor(B).find((c) => c.name === "branchline: staging preview" && c.status === "completed"), 90_000, "the staging preview", () => app.process.text());
    expect(preview.conclusion, preview.output.summary).toBe("success");
    const summary = preview.output.summary;
    const replaced = summary.indexOf("| replaced | Database | AWS::RDS::DBInstance | stateful |");
    const added = summary.indexOf("| added | Uploads | AWS::S3::Bucket | stateful |");
    expect(replaced, summary).toBeGreaterThan(0);
    expect(added).toBeGreaterThan(replaced);
    expect(summary.indexOf("## Needs attention")).toBeLessThan(replaced);

    for (const name of [staging.StackName!, application]) {
      expect((await aws.clients.cloudformation.send(new ListChangeSetsCommand({ StackName: name }))).Summaries).toEqual([]);
    }
    // The pull request also deploys the branch's own environment (its create passes through REVIEW_IN_PROGRESS).
    await eventually(() => github.model.checkRunsFor(B).find((c) => c.name === "branchline: branch/feature/orders" && c.status === "completed"), 90_000, "the branch's own run", () => app.process.text());
    expect((await allStacks(aws.clients)).filter((s) => s.StackStatus === "REVIEW_IN_PROGRESS").map((s) => s.StackName)).toEqual([]);
    github.model.assertClean();
  });
});
