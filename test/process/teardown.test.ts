import { readFileSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { DeleteStackCommand } from "@aws-sdk/client-cloudformation";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { environmentNames } from "../../src/core/naming.js";
import { allStacks, bucketNames, emulatedAws, type EmulatedAws } from "../support/aws.js";
import { startFakeGitHubServer, type FakeGitHubServer } from "../support/fake-github-server.js";
import type { RepositoryModel } from "../support/github-model.js";
import { INSTALLATION_ID, deleteRef, pushToBranch } from "../support/payloads.js";
import { cliEnv, json, runCli } from "../cli/support.js";
import {
  deliverWebhook,
  eventually,
  generateAppKeyPair,
  startAppServer,
  stopAllProcesses,
  type AppCredentials,
  type AppServer,
} from "../support/processes.js";

/** The default pipeline, as a repository copies it: its Deploy stage creates `<stack>-app` with the stack's DeployRole. */
const PIPELINE = readFileSync(new URL("../../templates/pipeline.yml", import.meta.url), "utf8");
const TEMPLATE_PATH = "pipeline.yml";
const BRANCH_ROLE = "arn:aws:iam::123456789012:role/branchline-branch-deployer";
const config = (extra = "") => `template: ${TEMPLATE_PATH}
parameters:
  all:
    ConnectionArn: arn:aws:codeconnections:us-east-1:123456789012:connection/0a1b2c3d
    PermissionsBoundaryArn: arn:aws:iam::123456789012:policy/branchline/branch-boundary
    DeployPolicyArn: arn:aws:iam::123456789012:policy/branchline/branch-deploy
${extra}roles:
  branch: ${BRANCH_ROLE}
  staging: arn:aws:iam::123456789012:role/branchline-staging-deployer
  production: arn:aws:iam::123456789012:role/branchline-production-deployer
`;
const A = "a".repeat(40);
const MAIN = "c".repeat(40);
const APP_ID = 4545;
const keys = generateAppKeyPair();
const SHOP = { owner: "octo-org", name: "shop" };
const names = (branch: string) => environmentNames("branchline", SHOP, { kind: "branch", branch });

describe("teardown of a branch whose pipeline deployed an application", () => {
  let github: FakeGitHubServer;
  let repo: RepositoryModel;
  let aws: EmulatedAws;
  let app: AppServer | undefined;
  let credentials: AppCredentials;

  async function start(stackOperationMs: number): Promise<AppServer> {
    aws = await emulatedAws({ timing: { stackOperationMs, changeSetMs: 0, actionMs: 50 } });
    app = await startAppServer({
      githubHost: github.host,
      awsEndpoint: aws.emulator.url,
      credentials,
      env: { BRANCHLINE_STACK_POLL_SECONDS: "1", BRANCHLINE_DEBOUNCE_MS: "0" },
    });
    return app;
  }

  async function deployBranch(branch: string, commit: string): Promise<void> {
    repo.file(commit, TEMPLATE_PATH, PIPELINE).branch(branch, commit);
    const delivery = await deliverWebhook(
      app!.webhookUrl,
      credentials.webhookSecret,
      "push",
      pushToBranch(branch, commit, { created: true }),
    );
    expect(delivery.status).toBe(200);
    const check = await eventually(
      () => github.model.checkRunsFor(commit).find((c) => c.status === "completed"),
      90_000,
      "the branch's run to end",
      () => app!.process.text(),
    );
    expect(check.conclusion, check.output.summary).toBe("success");
  }

  const stackNames = async () => (await allStacks(aws.clients)).map((s) => s.StackName).sort();

  beforeEach(async () => {
    credentials = { appId: APP_ID, privateKey: keys.privateKey, webhookSecret: `webhook-${randomUUID()}` };
    github = await startFakeGitHubServer({ appId: APP_ID, appPublicKey: keys.publicKey });
    repo = github.model.repository("octo-org", "shop");
    github.model.install(INSTALLATION_ID, "octo-org", ["octo-org/shop"]);
    repo.file(MAIN, ".github/branchline.yml", config()).branch("main", MAIN);
  });

  afterEach(async () => {
    await stopAllProcesses();
    await github?.close();
    await aws?.close();
    app = undefined;
  });

  it("removes the application stack first, then empties the buckets and removes the pipeline stack: nothing of the branch remains", async () => {
    await start(0);
    await deployBranch("feature/app", A);
    const { stack } = names("feature/app");
    expect(await stackNames()).toContain(`${stack}-app`);
    const view = aws.emulator.control.stacks().find((s) => s.stackName === `${stack}-app`)!;
    expect(view.status).toBe("CREATE_COMPLETE");
    expect(view.roleArn).toMatch(/:role\/branchline\/branch\/.*DeployRole/);
    const bucket = aws.emulator.control.stacks().find((s) => s.stackName === stack)!.outputs.ArtifactBucketName!;
    for (let i = 0; i < 3; i++)
      await aws.clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: `run-${i}/BuildOutput.zip`, Body: "zip" }));

    repo.deleteRef("feature/app");
    expect(
      (await deliverWebhook(app!.webhookUrl, credentials.webhookSecret, "delete", deleteRef("branch", "feature/app")))
        .status,
    ).toBe(200);
    await eventually(
      async () => ((await stackNames()).some((s) => s?.startsWith(stack)) ? undefined : true),
      60_000,
      "every stack of the branch to be gone",
      () => app!.process.text(),
    );
    expect(await stackNames()).toEqual([]);
    expect(await bucketNames(aws.clients)).toEqual([]);
  });

  it("converges after a SIGKILL between the application stack's deletion and the pipeline stack's", async () => {
    // Stack operations take seconds, so the process can be killed while the first deletion runs.
    await start(3_000);
    await deployBranch("feature/crash", A);
    const { stack } = names("feature/crash");
    repo.deleteRef("feature/crash");
    expect(
      (await deliverWebhook(app!.webhookUrl, credentials.webhookSecret, "delete", deleteRef("branch", "feature/crash")))
        .status,
    ).toBe(200);
    await eventually(
      () =>
        aws.emulator.control.stacks().find((s) => s.stackName === `${stack}-app`)?.status === "DELETE_IN_PROGRESS"
          ? true
          : undefined,
      30_000,
      "the application stack's deletion to start",
      () => app!.process.text(),
    );
    await app!.kill("SIGKILL");
    // Killed before it reached the pipeline stack: that one is untouched.
    expect(aws.emulator.control.stacks().find((s) => s.stackName === stack)?.status).toBe("CREATE_COMPLETE");
    await eventually(
      async () => ((await stackNames()).includes(`${stack}-app`) ? undefined : true),
      30_000,
      "the application stack's deletion to finish",
    );
    expect(await stackNames()).toEqual([stack]);

    // The start-up reconcile finds the pipeline stack of a branch that is gone, and finishes.
    await app!.start();
    await eventually(
      async () => ((await stackNames()).length === 0 ? true : undefined),
      90_000,
      "the pipeline stack to be deleted after the restart",
      () => app!.process.text(),
    );
    expect(await bucketNames(aws.clients)).toEqual([]);
  });

  it("finds an application stack left running after its pipeline stack went: status shows it, gc --dry-run lists it, gc removes it", async () => {
    // The pipeline tags what it deploys through its template configuration (ApplicationConfigurationPath).
    repo.file(
      MAIN,
      ".github/branchline.yml",
      config("  branch:\n    ApplicationConfigurationPath: deploy/branch.json\n"),
    );
    await start(0);
    const { stack } = names("feature/old");
    aws.emulator.control.setBuildOutput({
      pipeline: stack,
      artifact: "BuildOutput",
      files: {
        "packaged.yml": "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n",
        "deploy/branch.json": JSON.stringify({
          Tags: {
            "branchline:managed-by": "branchline",
            "branchline:repository": "octo-org/shop",
            "branchline:environment": "branch",
            "branchline:ref": "refs/heads/feature/old",
            "branchline:pipeline-stack": stack,
          },
        }),
      },
    });
    // What the pipeline's TagProject writes from that file: the same tags, the kind's environment tag forced.
    aws.emulator.control.setBuildOutput({
      pipeline: stack,
      artifact: "TagsOutput",
      files: {
        "branchline-template-configuration.json": JSON.stringify({
          Tags: {
            "branchline:managed-by": "branchline",
            "branchline:repository": "octo-org/shop",
            "branchline:environment": "branch",
            "branchline:ref": "refs/heads/feature/old",
            "branchline:pipeline-stack": stack,
          },
        }),
      },
    });
    await deployBranch("feature/old", A);
    await app!.kill("SIGTERM");
    // As an older branchline left things: the pipeline stack deleted (and its deploy role with it), the application running.
    await aws.clients.cloudformation.send(new DeleteStackCommand({ StackName: stack }));
    await eventually(
      async () => ((await stackNames()).includes(stack) ? undefined : true),
      30_000,
      "the pipeline stack to go",
    );
    expect(await stackNames()).toEqual([`${stack}-app`]);
    repo.deleteRef("feature/old");

    const env = cliEnv({
      ...github.env,
      APP_ID: String(APP_ID),
      PRIVATE_KEY: keys.privateKey,
      AWS_ENDPOINT_URL: aws.emulator.url,
      AWS_REGION: aws.emulator.region,
      AWS_ACCESS_KEY_ID: "AKIDCLITEST",
      AWS_SECRET_ACCESS_KEY: "cli-test-secret-key",
    });
    const status = await runCli(["status", "--repo", "octo-org/shop", "--json"], { env });
    expect(
      json<{ environments: { environment: string; part: string; orphaned: boolean; stack: string }[] }>(status)
        .environments,
    ).toEqual([
      expect.objectContaining({
        environment: "branch/feature/old (application, orphaned)",
        part: "application",
        orphaned: true,
        stack: `${stack}-app`,
      }),
    ]);

    const dry = await runCli(["gc", "--dry-run", "--json"], { env });
    expect(dry.code, dry.stderr).toBe(1);
    // (Staging, which this repository never deployed, is planned too: it is not what this test is about.)
    const planned = json<{ actions: { kind: string; target: string; stack?: string; reason: string }[] }>(
      dry,
    ).actions.filter((a) => a.target !== "main");
    expect(planned).toEqual([
      expect.objectContaining({
        kind: "destroy",
        stack: `${stack}-app`,
        reason: `branch feature/old no longer exists; its application stack ${stack}-app is still running`,
      }),
    ]);
    expect(await stackNames()).toEqual([`${stack}-app`]);

    const applied = await runCli(["gc", "--wait", "--json"], { env });
    expect(
      json<{ actions: { kind: string; target: string; outcome: string }[] }>(applied).actions.filter(
        (a) => a.target === "feature/old",
      ),
    ).toEqual([expect.objectContaining({ kind: "destroy", outcome: "done" })]);
    // Its own role is gone with the pipeline stack: the kind's service role deletes it.
    expect(await stackNames()).toEqual([]);
  });
});
