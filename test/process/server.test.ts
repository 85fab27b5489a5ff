import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { createAwsClients } from "../../src/aws/clients.js";
import { allStacks, callCount, emulatedAws, executions, pinnedCommits, type EmulatedAws } from "../support/aws.js";
import { startFakeGitHubServer, type FakeGitHubServer } from "../support/fake-github-server.js";
import type { RepositoryModel } from "../support/github-model.js";
import { INSTALLATION_ID, pushToBranch } from "../support/payloads.js";
import {
  BUILT_SERVER,
  REPO_ROOT,
  baseEnv,
  deliverWebhook,
  eventually,
  freePort,
  generateAppKeyPair,
  ManagedProcess,
  pidAlive,
  runningProcesses,
  startAppServer,
  startEmulatorProcess,
  stopAllProcesses,
  waitUntilServing,
  type AppCredentials,
  type AppServer,
} from "../support/processes.js";

const TEMPLATE = readFileSync(new URL("../fixtures/templates/small-pipeline.yml", import.meta.url), "utf8");
const TEMPLATE_PATH = ".github/branchline/pipeline.yml";
const CONFIG = `
parameters:
  all:
    ConnectionArn: arn:aws:codeconnections:us-east-1:123456789012:connection/0a1b2c3d
`;
const A = "a".repeat(40);
const B = "b".repeat(40);
const APP_ID = 4242;
const keys = generateAppKeyPair();

/** Every child started in a test is gone afterwards, whatever happened in the test. */
async function stopEverything(): Promise<void> {
  const started = runningProcesses().map((p) => p.pid);
  await stopAllProcesses();
  expect(runningProcesses()).toEqual([]);
  for (const pid of started) if (pid !== undefined) expect(pidAlive(pid), `process ${pid} is still alive`).toBe(false);
}

function pipelineOf(stack: { Outputs?: { OutputKey?: string; OutputValue?: string }[] }): string {
  const name = stack.Outputs?.find((o) => o.OutputKey === "PipelineName")?.OutputValue;
  expect(name).toBeTruthy();
  return name!;
}

describe("the built server, with GitHub faked over loopback HTTP and AWS emulated", () => {
  let github: FakeGitHubServer;
  let repo: RepositoryModel;
  let aws: EmulatedAws;
  let app: AppServer;
  let credentials: AppCredentials;

  beforeEach(async () => {
    credentials = { appId: APP_ID, privateKey: keys.privateKey, webhookSecret: `webhook-secret-${randomUUID()}` };
    // The fake checks the app's JWTs against its public key, and serves only the installation's repository.
    github = await startFakeGitHubServer({ appId: APP_ID, appPublicKey: keys.publicKey });
    repo = github.model.repository("octo-org", "shop");
    github.model.install(INSTALLATION_ID, "octo-org", ["octo-org/shop"]);
    repo.file("main", ".github/branchline.yml", CONFIG);
    // Stack operations settle as fast as the emulator can. Each test still spends about 10 s in an
    // SDK stack waiter: src/main.ts makes them look again no sooner than 10 s unless AWS is the sandbox.
    aws = await emulatedAws({ timing: { stackOperationMs: 0, changeSetMs: 0, actionMs: 50 } });
    app = await startAppServer({ githubHost: github.host, awsEndpoint: aws.emulator.url, credentials });
  });

  afterEach(async () => {
    try {
      await stopEverything();
      if (app) expect(app.process.exit, "the app exited").not.toBeNull();
    } finally {
      await github?.close();
      await aws?.close();
    }
  });

  it("acknowledges a signed push of a new branch at once, then creates its stack and reports one successful run of exactly that commit", async () => {
    // The branch appears after start-up, as a push makes it, so the webhook (not a start-up reconcile) meets it first.
    repo.file(A, TEMPLATE_PATH, TEMPLATE).branch("feature/login", A);

    const delivery = await deliverWebhook(
      app.webhookUrl,
      credentials.webhookSecret,
      "push",
      pushToBranch("feature/login", A, { created: true }),
    );
    // 200 (not Probot's 202 "still processing") means the handler returned before Probot's 9 s cut-off.
    expect(delivery.status, delivery.body).toBe(200);
    expect(delivery.ms).toBeLessThan(10_000); // GitHub's own limit for a delivery

    const check = await eventually(
      () => github.model.checkRunsFor(A).find((c) => c.status === "completed"),
      60_000,
      "the check run on A to complete",
      () => app.process.text(),
    );
    expect(check.name).toBe("branchline: branch/feature/login");
    expect(check.conclusion, check.output.summary).toBe("success");
    expect(check.history[0]!.status).toBe("queued");
    expect(check.history.map((h) => h.status)).toContain("in_progress");
    expect(github.model.checkRunsFor(A)).toHaveLength(1);

    const stacks = await allStacks(aws.clients);
    expect(stacks).toHaveLength(1);
    expect(stacks[0]!.StackName).toMatch(/^branchline-shop-br-feature-login-[0-9a-f]{8}$/);
    expect(stacks[0]!.StackStatus).toBe("CREATE_COMPLETE");
    const pipeline = pipelineOf(stacks[0]!);
    expect(await pinnedCommits(aws.clients, pipeline)).toEqual([A]);
    const pinned = (await executions(aws.clients, pipeline)).filter(
      (e) => e.trigger?.triggerType === "StartPipelineExecution",
    );
    expect(pinned).toHaveLength(1);
    expect(pinned[0]!.status).toBe("Succeeded");

    // The app authenticated as GitHub expects (JWT for the token, then the installation token) and
    // asked nothing the fake does not serve.
    expect(github.model.calls("POST", /^\/app\/installations\/42\/access_tokens$/).length).toBeGreaterThanOrEqual(1);
    github.model.assertClean();
  });

  it("refuses a delivery with a wrong signature, acts on nothing, and logs neither the payload nor the secret", async () => {
    repo.file(A, TEMPLATE_PATH, TEMPLATE).branch("feature/login", A);
    // The forged push names a branch GitHub does not have, at a commit whose template would deploy.
    repo.file(B, TEMPLATE_PATH, TEMPLATE);
    const marker = `forged-${randomUUID()}`;
    const forged = pushToBranch("feature/forged", B, { created: true });
    forged.head_commit = { ...(forged.head_commit as object), message: marker };
    const wrongSecret = `not-the-secret-${randomUUID()}`;

    const rejected = await deliverWebhook(app.webhookUrl, wrongSecret, "push", forged);
    expect(rejected.status).toBeGreaterThanOrEqual(400);
    expect(rejected.status).toBeLessThan(500);

    // A genuine delivery after it: once its work is done, the forged one would have been done too.
    const genuine = await deliverWebhook(
      app.webhookUrl,
      credentials.webhookSecret,
      "push",
      pushToBranch("feature/login", A, { created: true }),
    );
    expect(genuine.status).toBe(200);
    await eventually(
      () => github.model.checkRunsFor(A).find((c) => c.status === "completed"),
      60_000,
      "the genuine push's check run",
      () => app.process.text(),
    );

    expect(github.model.checkRunsFor(B)).toEqual([]);
    expect(github.model.requests.filter((r) => r.path.includes(B) || JSON.stringify(r.body ?? "").includes(B))).toEqual(
      [],
    );
    expect((await allStacks(aws.clients)).map((s) => s.StackName)).toEqual([
      expect.stringMatching(/^branchline-shop-br-feature-login-/),
    ]);
    expect(callCount(aws, "cloudformation", "CreateChangeSet")).toBe(1);

    const lines = app.process.lines();
    expect(
      lines.some((line) => /signature/i.test(line)),
      "the rejection is logged",
    ).toBe(true);
    const leaking = lines.filter(
      (line) => line.includes(marker) || line.includes(credentials.webhookSecret) || line.includes(wrongSecret),
    );
    expect(leaking, "log lines that quote the forged payload or a secret").toEqual([]);
    github.model.assertClean();
  });
});

describe("the built server as an operator first runs it", () => {
  const dirs: string[] = [];
  function tempDir(prefix: string): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  }

  afterEach(async () => {
    await stopEverything();
  });

  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** No AWS, no App: a working directory holding only what `npm start` reads (app.yml, package.json), an empty HOME. */
  function firstRunEnv(extra: Record<string, string> = {}): { cwd: string; env: Record<string, string | undefined> } {
    const cwd = tempDir("branchline-first-run-");
    copyFileSync(join(REPO_ROOT, "app.yml"), join(cwd, "app.yml"));
    copyFileSync(join(REPO_ROOT, "package.json"), join(cwd, "package.json"));
    const home = tempDir("branchline-home-");
    return { cwd, env: { PATH: baseEnv().PATH, HOME: home, HOST: "127.0.0.1", NO_SMEE_SETUP: "true", ...extra } };
  }

  it("serves Probot's set-up page and says AWS is emulated, without AWS or App configuration", async () => {
    const port = await freePort();
    const { cwd, env } = firstRunEnv({ PORT: String(port) });
    const server = new ManagedProcess("first-run", BUILT_SERVER, [], env, cwd).start();
    await waitUntilServing(`http://127.0.0.1:${port}`, server);

    const page = await fetch(`http://127.0.0.1:${port}/`);
    expect(page.status).toBe(200);
    expect(new URL(page.url).pathname).toBe("/probot");
    const html = await page.text();
    expect(html).toContain("Register GitHub App");
    expect(html).toContain("branchline"); // the manifest from app.yml, the name from package.json

    await server.waitForLine(/AWS is emulated.*\(sandbox\)/);
    // Nothing was written to the working directory yet: .env appears only once an App is registered.
    expect(readdirSync(cwd).sort()).toEqual(["app.yml", "package.json"]);
  });

  it("refuses to start in production without AWS configuration, naming AWS credentials", async () => {
    const { cwd, env } = firstRunEnv({ PORT: String(await freePort()), NODE_ENV: "production" });
    const server = new ManagedProcess("production-without-aws", BUILT_SERVER, [], env, cwd).start();
    const exit = await server.waitForExit(20_000);
    expect(exit.code, server.text()).not.toBe(0);
    expect(exit.code).not.toBeNull();
    expect(server.lines("stderr").join("\n")).toMatch(/AWS credentials/);
  });
});

describe("the emulator as its own process", () => {
  afterEach(async () => {
    await stopEverything();
  });

  it("prints its URL, answers the SDK and its control API, and exits on SIGTERM", async () => {
    const emulator = await startEmulatorProcess();
    expect(emulator.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const clients = createAwsClients({
      region: "us-east-1",
      endpoint: emulator.url,
      credentials: { accessKeyId: "AKIDPROCESS", secretAccessKey: "secret" },
    });
    const listed = await clients.cloudformation.send(new DescribeStacksCommand({}));
    expect(listed.Stacks ?? []).toEqual([]);
    expect(await emulator.control<{ ok: boolean; url: string }>("GET", "health")).toMatchObject({
      ok: true,
      url: emulator.url,
    });
    const exit = await emulator.close();
    expect(exit).toEqual({ code: 0, signal: null });
  });
});
