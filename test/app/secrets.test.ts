import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeGitHub } from "../support/fake-github.js";
import { startBranchline, testPrivateKey, type RunningApp } from "../support/branchline.js";
import { emulatedAws, type EmulatedAws } from "../support/aws.js";
import { checkRunEvent, pushToBranch } from "../support/payloads.js";
import { A, B, C, givenRepository } from "../support/scenario.js";

/**
 * Runs a mixed scenario (a success, a failed stack, an invalid config, an AWS outage, a refused
 * button press, a forged webhook) with known secret values, then searches everything branchline
 * wrote — logs, check runs, deployments — for them.
 */
const WEBHOOK_SECRET = "webhook-secret-for-tests";
const AWS_SECRET = "test-secret-access-key";
const EVENTS_SECRET = "events-secret-for-tests-0123456789abcdef";

let aws: EmulatedAws;
let github: FakeGitHub;
let app: RunningApp;

beforeAll(async () => {
  aws = await emulatedAws();
  github = new FakeGitHub("octo-org", "shop").install();
  givenRepository(github);
  app = await startBranchline(aws.clients, { eventsSecret: EVENTS_SECRET });

  await app.deliver("push", pushToBranch("feature/ok", A, { created: true }));
  aws.emulator.control.failStack({
    stackName: "branchline-shop-br-feature-broken-*",
    operation: "create",
    reason: "Access denied for the role",
  });
  await app.deliver("push", pushToBranch("feature/broken", B, { created: true }));
  await app.settle();

  github.repository.collaborator("visitor", "read");
  const run = github.checkRunsFor(A)[0]!;
  await app.deliver(
    "check_run",
    checkRunEvent("rerequested", { id: run.id, name: run.name, headSha: A, user: "visitor" }),
  );

  aws.emulator.control.setFaults({ service: "cloudformation", serverErrorRate: 1 });
  await app.deliver("push", pushToBranch("feature/outage", C, { created: true }));
  await app.settle();
  aws.emulator.control.clearFaults();

  // A forged delivery: Probot refuses it; its payload (which holds a secret-looking value) must not be logged.
  const forged = JSON.stringify({ ...pushToBranch("feature/forged", A), note: "FORGED-PAYLOAD-MARKER" });
  const signature = `sha256=${createHmac("sha256", "not-the-secret").update(forged).digest("hex")}`;
  await expect(
    app.probot.webhooks.verifyAndReceive({ id: "forged-1", name: "push", payload: forged, signature }),
  ).rejects.toThrow();
  app.probot.log.error({ err: await refusal(forged, signature) }, "webhook refused");

  github.file("main", ".github/branchline.yml", "branches: [unclosed\n");
  await app.deliver("push", pushToBranch("feature/after", A));
  await app.settle();
});

async function refusal(payload: string, signature: string): Promise<unknown> {
  try {
    await app.probot.webhooks.verifyAndReceive({ id: "forged-2", name: "push", payload, signature });
    return null;
  } catch (error) {
    return error;
  }
}

afterAll(async () => {
  await app.settle();
  github.assertClean();
  await aws.close();
});

function everythingWritten(): string {
  return [
    ...app.logs,
    ...github.checkRuns.map((c) => JSON.stringify(c)),
    ...github.model.deployments.map((d) => JSON.stringify(d)),
  ].join("\n");
}

describe("secrets never appear in logs, check runs or deployments", () => {
  it("the scenario produced what it meant to (successes, failures, refusals, errors)", () => {
    const conclusions = github.checkRuns.map((c) => c.conclusion);
    expect(conclusions).toContain("success");
    expect(conclusions.filter((c) => c === "failure").length).toBeGreaterThanOrEqual(3);
    expect(everythingWritten()).toContain("@visitor asked to re-run");
    expect(app.logs.join("")).toMatch(/signature does not match/);
  });

  it.each([
    ["the App's private key", () => testPrivateKey().split("\n")[1]!],
    ["the webhook secret", () => WEBHOOK_SECRET],
    ["the AWS secret access key", () => AWS_SECRET],
    ["the pipeline events secret", () => EVENTS_SECRET],
  ])("%s", (_name, secret) => {
    expect(everythingWritten()).not.toContain(secret());
  });

  it("installation tokens", () => {
    expect(everythingWritten()).not.toMatch(/ghs_[A-Za-z0-9_]+/);
  });

  it("the payload of a forged webhook", () => {
    expect(app.logs.join("")).not.toContain("FORGED-PAYLOAD-MARKER");
  });
});
