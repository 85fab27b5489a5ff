import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Probot } from "probot";
import { walkInstallations, type WalkStep } from "../../src/github/installation-walk.js";
import type { InstallationOctokit } from "../../src/github/octokit.js";
import { probotFor, startFakeGitHubServer, type FakeGitHubServer } from "../support/fake-github-server.js";
import { generateAppKeyPair } from "../support/processes.js";

const APP_ID = 777;
const keys = generateAppKeyPair();

let server: FakeGitHubServer;
let probot: Probot;

beforeEach(async () => {
  server = await startFakeGitHubServer({ appId: APP_ID, appPublicKey: keys.publicKey });
  probot = probotFor(server, APP_ID, keys.privateKey);
  server.model.repository("octo-org", "shop");
  server.model.repository("octo-org", "web");
  server.model.repository("sleepy-co", "api");
  server.model.repository("acme", "site");
});

afterEach(async () => {
  await server.close();
});

const installation = (id: number) => probot.auth(id) as Promise<InstallationOctokit>;

async function walk(octokitFor: (id: number) => Promise<InstallationOctokit> = installation): Promise<string[]> {
  const seen: string[] = [];
  const app = (await probot.auth()) as InstallationOctokit;
  for await (const step of walkInstallations(app, octokitFor)) seen.push(stepLine(step));
  return seen;
}

function stepLine(step: WalkStep): string {
  return step.kind === "repository"
    ? `${step.installationId} ${step.account} ${step.repository.owner.login}/${step.repository.name}`
    : `${step.installationId} ${step.account} failed`;
}

describe("walking every installation's repositories", () => {
  it("skips a suspended installation beside a healthy one, and never asks a token for it", async () => {
    server.model.install(42, "octo-org", ["octo-org/shop", "octo-org/web"]);
    server.model.install(43, "sleepy-co", ["sleepy-co/api"]).suspended = true;

    expect(await walk()).toEqual(["42 octo-org octo-org/shop", "42 octo-org octo-org/web"]);
    const tokens = server.model.requests
      .filter((r) => r.method === "POST" && r.path.includes("/access_tokens"))
      .map((r) => r.path);
    expect(tokens).toEqual(["/app/installations/42/access_tokens"]);
  });

  it("walks an installation again once it is unsuspended", async () => {
    server.model.install(43, "sleepy-co", ["sleepy-co/api"]).suspended = true;
    expect(await walk()).toEqual([]);
    server.model.installations.find((i) => i.id === 43)!.suspended = false;
    expect(await walk()).toEqual(["43 sleepy-co sleepy-co/api"]);
  });

  it("reports an installation it cannot list as failed and walks the next", async () => {
    server.model.install(42, "octo-org", ["octo-org/shop"]);
    server.model.install(44, "acme", ["acme/site"]);
    const steps: WalkStep[] = [];
    const app = (await probot.auth()) as InstallationOctokit;
    // GitHub takes the token back between the listing of installations and this one's turn.
    const octokitFor = (id: number) =>
      id === 42 ? Promise.reject(Object.assign(new Error("Bad credentials"), { status: 401 })) : installation(id);
    for await (const step of walkInstallations(app, octokitFor)) steps.push(step);

    expect(steps.map(stepLine)).toEqual(["42 octo-org failed", "44 acme acme/site"]);
    expect(steps[0]).toMatchObject({ kind: "failed", error: { message: "Bad credentials" } });
  });
});
