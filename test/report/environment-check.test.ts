import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FEATURE_TARGET } from "../support/repository-fixtures.js";
import type { Probot } from "probot";
import { Outbox } from "../../src/github/outbox.js";
import { EnvironmentCheck } from "../../src/report/environment-check.js";
import { probotFor, startFakeGitHubServer, type FakeGitHubServer } from "../support/fake-github-server.js";
import { generateAppKeyPair } from "../support/processes.js";

const APP_ID = 777;
const INSTALLATION = 42;
const keys = generateAppKeyPair();
const target = FEATURE_TARGET;

let server: FakeGitHubServer;
let probot: Probot;
beforeEach(async () => {
  server = await startFakeGitHubServer({ appId: APP_ID, appPublicKey: keys.publicKey });
  server.model.repository("octo-org", "shop").branch("feature/x", target.commit);
  server.model.install(INSTALLATION, "octo-org", ["octo-org/shop"]);
  probot = probotFor(server, APP_ID, keys.privateKey);
});
afterEach(async () => {
  await server.close();
});

describe("EnvironmentCheck through an outbox lane, beside another replica", () => {
  it("a create that failed is not kept: the next look finds the check run another replica made, and makes no second", async () => {
    // Replica A: its first check-run create fails (GitHub answered 502), through its own outbox.
    const a = await probot.auth(INSTALLATION);
    let failNext = true;
    a.hook.wrap("request", async (request, options) => {
      if (failNext && options.method === "POST" && String(options.url).endsWith("/check-runs")) {
        failNext = false;
        throw new Error("502 Bad Gateway");
      }
      return request(options);
    });
    const outbox = new Outbox({ onError: () => undefined });
    const lane = outbox.lane(INSTALLATION);
    await (await EnvironmentCheck.open(a, target, APP_ID, lane)).show({ kind: "queued", why: "Reading the template." });
    await outbox.drained();
    expect(server.model.checkRunsFor(target.commit)).toHaveLength(0);

    // Replica B looks at the same environment meanwhile and creates the check run.
    const b = await probot.auth(INSTALLATION);
    await (await EnvironmentCheck.open(b, target, APP_ID)).show({ kind: "running", pipeline: "p", executionId: "e" });

    // A's next look: it must update B's check run, not create another.
    await (
      await EnvironmentCheck.open(a, target, APP_ID, lane)
    ).show({ kind: "finished", pipeline: "p", executionId: "e", status: "Succeeded" });
    await outbox.drained();
    const checks = server.model.checkRunsFor(target.commit);
    expect(checks.map((c) => c.conclusion)).toEqual(["success"]);
  });
});
