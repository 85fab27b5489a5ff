import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { verify } from "../../src/notifications/signature.js";
import type { FakeGitHub } from "../support/fake-github.js";
import type { FakeCheckRun } from "../support/fake-github.js";
import type { RunningApp } from "../support/branchline.js";
import { allStacks, callCount, mutationCount, pinnedCommits, type EmulatedAws } from "../support/aws.js";
import { checkRunEvent, pushTag, pushToBranch } from "../support/payloads.js";
import { APPROVAL_TEMPLATE } from "../support/repository-fixtures.js";
import { A, B, C, closeScene, CONFIG, givenRepository, openScene } from "../support/scenario.js";

let aws: EmulatedAws;
let github: FakeGitHub;
let app: RunningApp;
const servers: Server[] = [];

beforeEach(async () => ({ aws, github, app } = await openScene()));

afterEach(async () => {
  await closeScene({ aws, github, app });
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

/**
 * A rollback is queued when a followed run ends, after the lanes went idle: the engine's `idle()`
 * does not wait for work a run's end submits, so wait once more for the rollback and its run.
 */
async function settleWithRollback(): Promise<void> {
  await app.settle();
  await app.settle();
}

function configWith(extra: string): string {
  return `${CONFIG}${extra}`;
}

/** The default branch moves through `commits` in order, staging running each one to success. */
async function stagingRuns(...commits: string[]): Promise<void> {
  commits.forEach((commit, i) => github.repository.ancestors(commit, commits.slice(0, i)));
  for (const commit of commits) {
    github.ref("main", commit);
    await app.deliver("push", pushToBranch("main", commit));
    await app.settle();
    expect(checkNamed(commit, "branchline: staging")).toMatchObject({ conclusion: "success" });
  }
}

function pushTagBy(tag: string, commit: string, user = "Codertocat") {
  github.ref(`refs/tags/${tag}`, commit);
  const payload = pushTag(tag, commit);
  (payload.sender as { login: string }).login = user;
  return app.deliver("push", payload);
}

/** Calls that change something in AWS, over the services a deploy touches. */
function mutationsOf(emulated: EmulatedAws): number {
  return ["cloudformation", "codepipeline", "s3"].reduce((sum, service) => sum + mutationCount(emulated, service), 0);
}

function checkNamed(commit: string, name: string): FakeCheckRun | undefined {
  return github
    .checkRunsFor(commit)
    .filter((c) => c.name === name)
    .at(-1);
}

function production(commit: string): FakeCheckRun | undefined {
  return checkNamed(commit, "branchline: production");
}

async function productionPipeline(): Promise<string> {
  const stack = (await allStacks(aws.clients)).find((s) => s.StackName?.includes("-production-"));
  expect(stack).toBeDefined();
  return stack!.Outputs!.find((o) => o.OutputKey === "PipelineName")!.OutputValue!;
}

describe("promotion criteria", () => {
  it("refuses a tag on a commit that is not on the default branch: the check fails listing each unmet criterion, and AWS is not touched", async () => {
    givenRepository(github);
    await stagingRuns(A);
    aws.emulator.control.resetCalls();

    await pushTagBy("v1.0.0", B);
    await app.settle();

    const check = production(B)!;
    expect(check).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(check.output.title).toBe("Not promoted: 2 criteria unmet");
    expect(check.output.summary).toContain(
      `**on-default-branch**: commit \`${B.slice(0, 12)}\` is not on the default branch \`main\``,
    );
    expect(check.output.summary).toContain(`**staging-success**: staging has not run commit \`${B.slice(0, 12)}\``);
    expect(callCount(aws, "cloudformation")).toBe(0);
    expect(callCount(aws, "codepipeline")).toBe(0);
    expect(github.model.deploymentsFor("octo-org/shop", "production")).toEqual([]);
  });

  it("deploys a tag on a commit staging ran successfully, at exactly that commit", async () => {
    givenRepository(github);
    await stagingRuns(A, B);

    await pushTagBy("v1.0.0", A);
    await app.settle();

    expect(production(A)).toMatchObject({ conclusion: "success" });
    expect(await pinnedCommits(aws.clients, await productionPipeline())).toEqual([A]);
    const [deployment] = github.model.deploymentsFor("octo-org/shop", "production");
    expect(deployment).toMatchObject({ sha: A, production_environment: true });
    expect(deployment!.statuses.at(-1)!.state).toBe("success");
  });

  it("a late redelivery of an older release's tag, after a newer release ran, changes nothing in AWS (production never goes back in time)", async () => {
    givenRepository(github);
    await stagingRuns(A, B);
    const older = pushTag("v1.0.0", A);
    github.ref("refs/tags/v1.0.0", A);
    const olderId = await app.deliver("push", older);
    await app.settle();
    await pushTagBy("v1.1.0", B);
    await app.settle();
    const pipeline = await productionPipeline();
    expect(await pinnedCommits(aws.clients, pipeline)).toEqual([A, B]);
    const before = mutationsOf(aws);

    await app.redeliver("push", older, olderId);
    await app.redeliver("push", older);
    await app.settle();

    expect(mutationsOf(aws)).toBe(before);
    expect(await pinnedCommits(aws.clients, pipeline)).toEqual([A, B]);
    expect(github.model.deploymentsFor("octo-org/shop", "production").map((d) => d.sha)).toEqual([A, B]);
  });

  it("refuses a first delivery of a release tag on a commit production's newest run already contains: production never goes back to an older release", async () => {
    givenRepository(github);
    await stagingRuns(A, B);
    await pushTagBy("v1.1.0", B);
    await app.settle();
    const pipeline = await productionPipeline();
    const before = mutationsOf(aws);

    // A, staging-tested and on the default branch, is tagged for the first time, after B was released.
    await pushTagBy("v1.0.1", A);
    await app.settle();

    expect(mutationsOf(aws)).toBe(before);
    expect(await pinnedCommits(aws.clients, pipeline)).toEqual([B]);
    expect(production(A)).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(production(A)!.output.summary).toContain("back to an older release");
    expect(github.model.deploymentsFor("octo-org/shop", "production").map((d) => d.sha)).toEqual([B]);
  });

  it("refuses a commit whose staging run failed, and one staging never ran", async () => {
    givenRepository(github);
    await stagingRuns(A);
    aws.emulator.control.scriptAction({
      pipeline: "*-staging-*",
      stage: "Build",
      outcome: "fail",
      message: "tests failed",
      times: 1,
    });
    github.repository.ancestors(B, [A]);
    github.ref("main", B);
    await app.deliver("push", pushToBranch("main", B));
    await app.settle();
    github.repository.ancestors(C, [A, B]);
    github.ref("main", C);

    await pushTagBy("v1.0.0", B);
    await pushTagBy("v1.0.1", C);
    await app.settle();

    expect(production(B)!.output.summary).toContain(
      `staging's run of commit \`${B.slice(0, 12)}\` concluded \`failure\``,
    );
    expect(production(B)!.output.summary).not.toContain("on-default-branch");
    expect(production(C)!.output.summary).toContain("staging has not run commit");
    expect(await allStacks(aws.clients)).toHaveLength(1);
  });

  it("honours allowedTags and allowedActors (users or org teams)", async () => {
    givenRepository(github, {
      config: configWith(
        `production:\n  allowedTags: ["v+([0-9]).+([0-9]).+([0-9])"]\n  allowedActors:\n    users: [release-bot]\n    teams: [release-managers]\n`,
      ),
    });
    github.model.teamMember("octo-org", "release-managers", "alice");
    await stagingRuns(A, B, C);

    await pushTagBy("v1.0.0-rc1", A, "alice");
    await pushTagBy("v1.0.0", B, "mallory");
    await app.settle();
    expect(production(A)!.output.summary).toContain("tag `v1.0.0-rc1` does not match `production.allowedTags`");
    expect(production(A)!.output.summary).not.toContain("allowed-actor");
    expect(production(B)!.output.summary).toContain("@mallory may not promote to production");
    expect(await allStacks(aws.clients)).toHaveLength(1);

    await pushTagBy("v1.0.1", C, "alice");
    await app.settle();
    expect(production(C)).toMatchObject({ conclusion: "success" });
  });
});

describe("approvals", () => {
  const APPROVERS = configWith(
    `production:\n  approval:\n    required: true\n    approvers:\n      users: [lead]\n      teams: [release-managers]\n`,
  );

  async function waitingRelease(): Promise<FakeCheckRun> {
    givenRepository(github, { config: APPROVERS, template: APPROVAL_TEMPLATE });
    github.repository.collaborator("lead", "write").collaborator("owner", "admin").collaborator("bob", "write");
    github.model.teamMember("octo-org", "release-managers", "bob");
    await stagingRuns(A);
    await pushTagBy("v1.0.0", A);
    await expect
      .poll(() => production(A)?.actions?.map((a) => a.identifier) ?? [], { timeout: 15_000 })
      .toEqual(["approve", "reject"]);
    const check = production(A)!;
    expect(check.status).toBe("in_progress");
    expect(check.output.title).toBe("Waiting for approval");
    expect(check.output.summary).toContain("**Approval / Approve** waits for a decision");
    expect(check.output.summary).toContain("Approvers are @lead or team `release-managers`");
    return check;
  }

  function press(check: FakeCheckRun, identifier: "approve" | "reject", user: string) {
    const payload = checkRunEvent("requested_action", {
      id: check.id,
      name: check.name,
      headSha: A,
      headBranch: "v1.0.0",
      identifier,
      user,
    });
    (payload.check_run as { external_id: string | null }).external_id = check.external_id;
    return app.deliver("check_run", payload);
  }

  async function approvalStatus(): Promise<string | undefined> {
    const [execution] = aws.emulator.control.executions(await productionPipeline());
    return execution?.actions.find((a) => a.stageName === "Approval")?.status;
  }

  it("waits for approval; refuses someone who is not an approver (even an admin), then an approver's Approve lets the run complete", async () => {
    const check = await waitingRelease();

    await press(check, "approve", "owner");
    expect(production(A)!.output.summary).toContain(
      "@owner pressed **Approve**, but was not allowed to: @owner is not an approver",
    );
    expect(production(A)!.status).toBe("in_progress");
    expect(callCount(aws, "codepipeline", "PutApprovalResult")).toBe(0);
    expect(await approvalStatus()).toBe("InProgress");

    await press(check, "approve", "lead");
    await app.settle();
    expect(callCount(aws, "codepipeline", "PutApprovalResult")).toBe(1);
    const done = production(A)!;
    expect(done).toMatchObject({ status: "completed", conclusion: "success" });
    expect(done.actions?.map((a) => a.identifier)).not.toContain("approve");
    expect(done.output.summary).toMatch(/Approved by @lead \(a listed approver\) on GitHub at \d{4}-\d\d-\d\dT/);
    expect(done.output.summary).toContain("✅ approved: **Approval / Approve**");
    const statuses = github.model.deploymentsFor("octo-org/shop", "production")[0]!.statuses;
    expect(statuses.map((s) => s.description)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Approved by @lead .* at \d{4}-/)]),
    );
    expect(statuses.at(-1)!.state).toBe("success");
  });

  it("honours a member of an approver team", async () => {
    const check = await waitingRelease();
    await press(check, "approve", "bob");
    await app.settle();
    expect(production(A)).toMatchObject({ conclusion: "success" });
    expect(production(A)!.output.summary).toContain("Approved by @bob (a member of team `release-managers`)");
  });

  it("fails the run when an approver rejects it, saying who did", async () => {
    const check = await waitingRelease();
    await press(check, "reject", "lead");
    await app.settle();
    const done = production(A)!;
    expect(done).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(done.output.summary).toContain("❌ rejected: **Approval / Approve** — Rejected by @lead");
    const deployment = github.model.deploymentsFor("octo-org/shop", "production")[0]!;
    expect(deployment.statuses.map((s) => s.description)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Rejected by @lead/)]),
    );
    expect(deployment.statuses.at(-1)!.state).toBe("failure");
  });

  it("refuses to run a production pipeline without an approval action when approval is required", async () => {
    givenRepository(github, { config: APPROVERS });
    await stagingRuns(A);
    await pushTagBy("v1.0.0", A);
    await app.settle();
    expect(production(A)).toMatchObject({ conclusion: "failure" });
    expect(production(A)!.output.summary).toContain("has no manual approval action, so no run was started");
    expect(await pinnedCommits(aws.clients, await productionPipeline())).toEqual([]);
  });
});

/** A loopback HTTP server that records every request; `status` decides its answers. */
async function sink(status: (n: number) => number = () => 200) {
  const received: { path: string; headers: IncomingHttpHeaders; body: string }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(status(received.length)).end();
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

describe("failure policy", () => {
  it("redeploy-last-good: a failed release is followed by a rollback run of the previous good commit, its own check run and deployment", async () => {
    const hook = await sink();
    process.env.BRANCHLINE_SINK_TEST_HOOK_SECRET = "rollback-secret";
    givenRepository(github, {
      config: configWith(
        `onFailure:\n  production: redeploy-last-good\nnotifications:\n  sinks:\n    - type: webhook\n      url: ${hook.url}/hook\n      secretEnv: BRANCHLINE_SINK_TEST_HOOK_SECRET\n      events: [rollback.started, run.failed]\n`,
      ),
    });
    await stagingRuns(A, B);
    await pushTagBy("v1.0.0", A);
    await app.settle();
    aws.emulator.control.scriptAction({
      pipeline: "*-production-*",
      stage: "Build",
      outcome: "fail",
      message: "smoke test failed",
      times: 1,
    });

    await pushTagBy("v1.1.0", B);
    await settleWithRollback();

    expect(await pinnedCommits(aws.clients, await productionPipeline())).toEqual([A, B, A]);
    expect(production(B)).toMatchObject({ conclusion: "failure" });
    expect(production(B)!.output.summary).toContain(
      `Rolling back: the last good release, commit \`${A.slice(0, 12)}\``,
    );
    const rollback = production(A)!;
    expect(rollback).toMatchObject({ conclusion: "success" });
    expect(rollback.output.title).toBe("Rollback: pipeline succeeded");
    expect(rollback.output.summary).toContain(`**Rollback.** The run of commit \`${B.slice(0, 12)}\` failed`);
    expect(github.checkRunsFor(A).filter((c) => c.name === "branchline: production")).toHaveLength(2);
    const deployments = github.model.deploymentsFor("octo-org/shop", "production");
    expect(deployments.map((d) => d.sha)).toEqual([A, B, A]);
    expect(deployments[2]!.description).toContain(`Rollback to ${A.slice(0, 12)} after ${B.slice(0, 12)} failed`);
    expect(deployments[2]!.statuses.at(-1)!.state).toBe("success");
    // The ledger says who caused each run: the tags' pusher, then branchline's failure policy.
    expect(deployments.map((d) => (d.payload as { actor?: string }).actor)).toEqual([
      "Codertocat",
      "Codertocat",
      "branchline (rollback)",
    ]);

    await expect
      .poll(() => hook.received.map((r) => JSON.parse(r.body).event as string).sort(), { timeout: 10_000 })
      .toEqual(["rollback.started", "run.failed"]);
    const started = JSON.parse(hook.received.find((r) => r.body.includes("rollback.started"))!.body);
    expect(started).toMatchObject({
      event: "rollback.started",
      commit: A,
      rollback: { fromCommit: B, toCommit: A },
      environment: { kind: "production", name: "production" },
    });
  });

  it("never rolls back a rollback: when it fails too, it is reported and nothing more runs", async () => {
    givenRepository(github, { config: configWith("onFailure:\n  production: redeploy-last-good\n") });
    await stagingRuns(A, B);
    await pushTagBy("v1.0.0", A);
    await app.settle();
    aws.emulator.control.scriptAction({
      pipeline: "*-production-*",
      stage: "Build",
      outcome: "fail",
      message: "broken",
      times: 2,
    });

    await pushTagBy("v1.1.0", B);
    await settleWithRollback();

    expect(await pinnedCommits(aws.clients, await productionPipeline())).toEqual([A, B, A]);
    const rollback = production(A)!;
    expect(rollback).toMatchObject({ conclusion: "failure" });
    expect(rollback.output.summary).toContain("branchline does not roll back a rollback");
  });

  it("record (the default for branches): a failed run is reported, and nothing else happens", async () => {
    givenRepository(github);
    aws.emulator.control.scriptAction({ stage: "Build", outcome: "fail", times: 1 });
    await app.deliver("push", pushToBranch("feature/x", A, { created: true }));
    await app.settle();
    await app.deliver("push", pushToBranch("feature/x", B));
    await app.settle();
    aws.emulator.control.scriptAction({ stage: "Build", outcome: "fail", times: 1 });
    await app.deliver("push", pushToBranch("feature/x", C));
    await app.settle();
    expect(checkNamed(C, "branchline: branch/feature/x")).toMatchObject({ conclusion: "failure" });
    expect(callCount(aws, "codepipeline", "StartPipelineExecution")).toBe(3);
  });
});

describe("notifications", () => {
  it("sends signed payloads to a webhook sink and a Slack message, and a failing sink breaks nothing", async () => {
    const hook = await sink();
    const slack = await sink();
    const broken = await sink(() => 500);
    process.env.BRANCHLINE_SINK_TEST_HOOK_SECRET = "s3cret-for-tests";
    process.env.BRANCHLINE_SINK_TEST_SLACK_URL = `${slack.url}/services/T000/B000/XXXX`;
    givenRepository(github, {
      config: configWith(
        [
          "notifications:",
          "  sinks:",
          `    - { type: webhook, name: broken, url: "${broken.url}/hook", secretEnv: BRANCHLINE_SINK_TEST_HOOK_SECRET }`,
          `    - { type: webhook, name: ops, url: "${hook.url}/hook", secretEnv: BRANCHLINE_SINK_TEST_HOOK_SECRET }`,
          "    - { type: slack, urlEnv: BRANCHLINE_SINK_TEST_SLACK_URL, events: [run.failed], environments: [staging] }",
          "",
        ].join("\n"),
      ),
    });
    github.ref("main", A);
    await app.deliver("push", pushToBranch("main", A));
    await app.settle();
    expect(checkNamed(A, "branchline: staging")).toMatchObject({ conclusion: "success" });

    await expect.poll(() => hook.received.length, { timeout: 10_000 }).toBe(2);
    for (const request of hook.received) {
      expect(request.headers["content-type"]).toBe("application/json");
      expect(verify(request.body, "s3cret-for-tests", request.headers["x-branchline-signature-256"] as string)).toBe(
        true,
      );
      expect(verify(request.body, "another-secret", request.headers["x-branchline-signature-256"] as string)).toBe(
        false,
      );
    }
    const bodies = hook.received.map((r) => JSON.parse(r.body));
    expect(bodies.map((b) => b.event)).toEqual(["run.started", "run.succeeded"]);
    expect(bodies[1]).toMatchObject({
      version: 1,
      event: "run.succeeded",
      repository: "octo-org/shop",
      environment: { kind: "staging", name: "staging" },
      commit: A,
      run: { status: "Succeeded", url: expect.stringContaining("/executions/") },
    });
    expect(hook.received[1]!.headers["x-branchline-event"]).toBe("run.succeeded");
    expect(hook.received[1]!.headers["x-branchline-delivery"]).toBe(bodies[1].id);
    // The broken sink was tried three times per event, within its budget, and the run did not care.
    await expect.poll(() => broken.received.length, { timeout: 15_000 }).toBe(6);
    expect(slack.received).toHaveLength(0);

    // A failed staging run (default policy: webhook) reaches the Slack sink as well.
    aws.emulator.control.scriptAction({ stage: "Build", outcome: "fail", message: "lint", times: 1 });
    github.repository.ancestors(B, [A]);
    github.ref("main", B);
    await app.deliver("push", pushToBranch("main", B));
    await app.settle();
    await expect.poll(() => slack.received.length, { timeout: 10_000 }).toBe(1);
    const message = JSON.parse(slack.received[0]!.body);
    expect(slack.received[0]!.path).toBe("/services/T000/B000/XXXX");
    expect(message.text).toContain("octo-org/shop · staging: pipeline failed for");
    expect(message.blocks[0]).toMatchObject({ type: "section" });
  }, 40_000);
});
