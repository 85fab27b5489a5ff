import { connect } from "node:net";
import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { getPriority } from "node:os";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { emulatedAws, type EmulatedAws } from "../support/aws.js";
import { startFakeGitHubServer, type FakeGitHubServer } from "../support/fake-github-server.js";
import { INSTALLATION_ID, pushToBranch } from "../support/payloads.js";
import { CONFIG, TEMPLATE_PATH } from "../support/repository-fixtures.js";
import {
  deliverWebhook,
  eventually,
  generateAppKeyPair,
  startAppServer,
  stopAllProcesses,
  type AppServer,
} from "../support/processes.js";

const TEMPLATE = readFileSync(new URL("../fixtures/templates/small-pipeline.yml", import.meta.url), "utf8");
const APP_ID = 4242;
const keys = generateAppKeyPair();
const A = "a".repeat(40);

/** Whether anything accepts a connection on a loopback port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });
}

describe("by default the front answers webhooks and the engine runs in a process of its own", () => {
  let github: FakeGitHubServer;
  let aws: EmulatedAws;
  let app: AppServer;
  const secret = `webhook-secret-${randomUUID()}`;

  beforeEach(async () => {
    github = await startFakeGitHubServer({ appId: APP_ID, appPublicKey: keys.publicKey });
    github.model.install(INSTALLATION_ID, "octo-org", ["octo-org/shop"]);
    github.model.repository("octo-org", "shop").file("main", ".github/branchline.yml", CONFIG);
    aws = await emulatedAws({ timing: { stackOperationMs: 0, changeSetMs: 0, actionMs: 50 } });
    app = await startAppServer({
      githubHost: github.host,
      awsEndpoint: aws.emulator.url,
      credentials: { appId: APP_ID, privateKey: keys.privateKey, webhookSecret: secret },
    });
  });

  afterEach(async () => {
    await stopAllProcesses();
    await github.close();
    await aws.close();
  });

  it("acknowledges a push at the front, the engine deploys it, and the engine ends when the front is killed", async () => {
    github.model.repository("octo-org", "shop").file(A, TEMPLATE_PATH, TEMPLATE).branch("feature/front", A);
    const delivery = await deliverWebhook(
      app.webhookUrl,
      secret,
      "push",
      pushToBranch("feature/front", A, { created: true }),
    );
    expect(delivery.status, delivery.body).toBe(200);
    const forged = await deliverWebhook(app.webhookUrl, "not-the-secret", "push", pushToBranch("feature/front", A));
    expect(forged.status).toBe(400);

    const check = await eventually(
      () => github.model.checkRunsFor(A).find((c) => c.status === "completed"),
      60_000,
      "the check run on A to complete",
      () => app.process.text(),
    );
    expect(check.conclusion, check.output.summary).toBe("success");
    expect(github.model.checkRunsFor(A)).toHaveLength(1);

    // The engine's loopback port, from the front's start-up line; it stops serving once the front is gone.
    const { port: enginePort, pid: enginePid } = app.engine()!;
    expect(await listening(enginePort)).toBe(true);
    // It works at a lower CPU priority than the front, so its work cannot hold an acknowledgement up.
    // Every thread of it (on Linux a priority is a thread's): V8's and libuv's too, not only the main one.
    const below = Math.min(19, getPriority(app.process.pid!) + 10);
    const threads = readdirSync(`/proc/${enginePid}/task`).map(Number);
    expect(threads.length).toBeGreaterThan(1);
    expect(threads.map((thread) => getPriority(thread))).toEqual(threads.map(() => below));
    await app.kill("SIGKILL");
    await eventually(
      async () => ((await listening(enginePort)) ? undefined : true),
      10_000,
      "the engine process to end with the front",
    );
  });
});
