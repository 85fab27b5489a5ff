import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { allStacks, emulatedAws, type EmulatedAws } from "../support/aws.js";
import { startFakeGitHubServer, type FakeGitHubServer } from "../support/fake-github-server.js";
import { INSTALLATION_ID, pushToBranch } from "../support/payloads.js";
import {
  BUILT_SERVER,
  REPO_ROOT,
  eventually,
  freePort,
  generateAppKeyPair,
  ManagedProcess,
  signWebhook,
  startAppServer,
  stopAllProcesses,
  waitUntilServing,
} from "../support/processes.js";

const TEMPLATE = readFileSync(new URL("../fixtures/templates/small-pipeline.yml", import.meta.url), "utf8");
const CONFIG = `template: pipeline.yml
parameters:
  all:
    ConnectionArn: arn:aws:codeconnections:us-east-1:123456789012:connection/0a1b2c3d
`;
const A = "a".repeat(40);
const APP_ID = 4343;
const keys = generateAppKeyPair();

const dirs: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/**
 * A loopback stand-in for a smee.io channel: smee-client holds an EventSource on the channel URL
 * and POSTs each message's body, with its headers, to the app's webhook path.
 */
async function fakeRelay(): Promise<{
  url: string;
  connected: () => boolean;
  send: (headers: Record<string, string>, body: unknown) => void;
  close: () => Promise<void>;
}> {
  const listeners = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    res.write(": ready\n\n");
    listeners.add(res);
    req.on("close", () => listeners.delete(res));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/channel-${randomUUID()}`,
    connected: () => listeners.size > 0,
    send(headers, body) {
      for (const res of listeners) res.write(`data: ${JSON.stringify({ ...headers, body })}\n\n`);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of listeners) res.end();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe("a first run on a laptop", () => {
  let github: FakeGitHubServer | undefined;
  let aws: EmulatedAws | undefined;

  afterEach(async () => {
    await stopAllProcesses();
    await github?.close();
    await aws?.close();
    github = undefined;
    aws = undefined;
  });

  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  async function givenGitHubAndAws(): Promise<{ github: FakeGitHubServer; aws: EmulatedAws }> {
    github = await startFakeGitHubServer({ appId: APP_ID, appPublicKey: keys.publicKey });
    const repo = github.model.repository("octo-org", "shop");
    github.model.install(INSTALLATION_ID, "octo-org", ["octo-org/shop"]);
    repo.file("main", ".github/branchline.yml", CONFIG);
    repo.file(A, "pipeline.yml", TEMPLATE).branch("feature/login", A);
    aws = await emulatedAws({ timing: { stackOperationMs: 0, changeSetMs: 0, actionMs: 50 } });
    return { github, aws };
  }

  it("takes its settings from .env in the folder it starts in: real AWS (not the sandbox), the events secret, production mode", async () => {
    const { github, aws } = await givenGitHubAndAws();
    const cwd = tempDir("branchline-dotenv-");
    const port = await freePort();
    const webhookSecret = `webhook-${randomUUID()}`;
    const eventsSecret = `events-${randomUUID()}`;
    writeFileSync(join(cwd, "app.pem"), keys.privateKey);
    // What the guide tells an operator to write: the App (Probot's set-up writes these), AWS, the events secret.
    writeFileSync(
      join(cwd, ".env"),
      [
        `APP_ID=${APP_ID}`,
        `PRIVATE_KEY_PATH=${join(cwd, "app.pem")}`,
        `WEBHOOK_SECRET=${webhookSecret}`,
        `GHE_HOST=${github.host}`,
        "GHE_PROTOCOL=http",
        "HOST=127.0.0.1",
        `PORT=${port}`,
        "NODE_ENV=production",
        "AWS_REGION=us-east-1",
        `AWS_ENDPOINT_URL=${aws.emulator.url}`,
        "AWS_ACCESS_KEY_ID=AKIDDOTENV",
        "AWS_SECRET_ACCESS_KEY=dotenv-secret-access-key",
        `BRANCHLINE_EVENTS_SECRET=${eventsSecret}`,
        "BRANCHLINE_RUN_POLL_SECONDS=1",
        "LOG_FORMAT=json",
        "",
      ].join("\n"),
    );
    // The process environment holds nothing of it: only what any shell has.
    const server = new ManagedProcess(
      "dotenv",
      BUILT_SERVER,
      [],
      { PATH: process.env.PATH, HOME: tempDir("branchline-home-") },
      cwd,
    ).start();
    const url = `http://127.0.0.1:${port}`;
    await waitUntilServing(url, server);

    const wrong = await fetch(`${url}/branchline/events`, {
      method: "POST",
      headers: { "x-branchline-secret": "x".repeat(40), "content-type": "application/json" },
      body: "{}",
    });
    expect(wrong.status).toBe(401);
    const right = await fetch(`${url}/branchline/events`, {
      method: "POST",
      headers: { "x-branchline-secret": eventsSecret, "content-type": "application/json" },
      body: "{}",
    });
    expect(right.status, "the events secret from .env is the one the route checks").toBe(400); // known secret, malformed event

    // Delivered to `/`, where Probot's manifest flow points an App registered without a relay channel.
    const body = JSON.stringify(pushToBranch("feature/login", A, { created: true }));
    const delivery = await fetch(`${url}/`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "push",
        "x-github-delivery": randomUUID(),
        "x-hub-signature-256": signWebhook(webhookSecret, body),
      },
      body,
    });
    expect(delivery.status).toBe(200);
    const stacks = await eventually(
      async () => ((await allStacks(aws.clients)).length > 0 ? allStacks(aws.clients) : undefined),
      60_000,
      "a stack in the AWS that .env names",
      () => server.text(),
    );
    expect(stacks.map((s) => s.StackName)).toEqual([expect.stringMatching(/^branchline-shop-br-feature-login-/)]);
    expect(
      server.lines().some((line) => /AWS is emulated/.test(line)),
      "no sandbox",
    ).toBe(false);
  });

  it("receives webhooks through WEBHOOK_PROXY_URL with smee-client, as Probot relays them to a laptop", async () => {
    const { github, aws } = await givenGitHubAndAws();
    const relay = await fakeRelay();
    try {
      const credentials = { appId: APP_ID, privateKey: keys.privateKey, webhookSecret: `webhook-${randomUUID()}` };
      const app = await startAppServer({
        githubHost: github.host,
        awsEndpoint: aws.emulator.url,
        credentials,
        env: { WEBHOOK_PROXY_URL: relay.url },
      });
      await eventually(
        () => (relay.connected() ? true : undefined),
        20_000,
        "smee-client to connect to the channel",
        () => app.process.text(),
      );
      const payload = pushToBranch("feature/login", A, { created: true });
      relay.send(
        {
          "x-github-event": "push",
          "x-github-delivery": randomUUID(),
          "x-hub-signature-256": signWebhook(credentials.webhookSecret, JSON.stringify(payload)),
        },
        payload,
      );
      const check = await eventually(
        () => github.model.checkRunsFor(A).find((c) => c.status === "completed"),
        60_000,
        "the relayed push's check run",
        () => app.process.text(),
      );
      expect(check.conclusion, check.output.summary).toBe("success");
    } finally {
      await relay.close();
    }
  });

  it("registers the relay channel as the App's webhook URL in the manifest of its set-up page", async () => {
    const cwd = tempDir("branchline-setup-");
    copyFileSync(join(REPO_ROOT, "app.yml"), join(cwd, "app.yml"));
    copyFileSync(join(REPO_ROOT, "package.json"), join(cwd, "package.json"));
    const port = await freePort();
    // The channel as Probot's set-up leaves it in .env, served on loopback: set-up mode connects to it
    // (a smee.io address would reach for the network, and the server exits when it cannot).
    const relay = await fakeRelay();
    try {
      const channel = relay.url;
      writeFileSync(join(cwd, ".env"), `WEBHOOK_PROXY_URL=${channel}\nHOST=127.0.0.1\nPORT=${port}\n`);
      const server = new ManagedProcess(
        "setup",
        BUILT_SERVER,
        [],
        { PATH: process.env.PATH, HOME: tempDir("branchline-home-") },
        cwd,
      ).start();
      await waitUntilServing(`http://127.0.0.1:${port}`, server);
      const html = await (await fetch(`http://127.0.0.1:${port}/probot`)).text();
      const manifest =
        /name="manifest"[^>]*value="([^"]*)"/.exec(html) ?? /value='([^']*)'[^>]*name="manifest"/.exec(html);
      const text = (manifest?.[1] ?? html).replaceAll("&quot;", '"').replaceAll("&#34;", '"');
      expect(text).toContain(`"hook_attributes":{"url":"${channel}"}`);
    } finally {
      await relay.close();
    }
  });
});
