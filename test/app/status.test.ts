import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { StartPipelineExecutionCommand } from "@aws-sdk/client-codepipeline";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeGitHub } from "../support/fake-github.js";
import { startBranchline, type RunningApp } from "../support/branchline.js";
import { allStacks, callCount, emulatedAws, pinnedCommits, type EmulatedAws } from "../support/aws.js";
import { checkRunEvent, deleteRef, pullRequestEvent, pushTag, pushToBranch } from "../support/payloads.js";
import { unkindPipelineEvents } from "../support/pipeline-events.js";
import { A, B, C, givenRepository, onlyStack, pipelineOf, postJson } from "../support/scenario.js";

const SECRET = "events-secret-for-tests-0123456789abcdef";

let aws: EmulatedAws;
let github: FakeGitHub;
let app: RunningApp;
let server: Server | undefined;

beforeEach(async () => {
  aws = await emulatedAws();
  github = new FakeGitHub("octo-org", "shop").install();
  givenRepository(github);
});

afterEach(async () => {
  await app.settle();
  github.assertClean();
  await aws.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** The app's extra HTTP routes (pipeline events) on a real loopback server; returns its URL. */
async function serveHandlers(): Promise<string> {
  server = createServer(async (req, res) => {
    for (const handler of app.handlers) if (await handler(req, res)) return;
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/branchline/events`;
}

describe("check runs follow each run", () => {
  beforeEach(async () => {
    app = await startBranchline(aws.clients);
  });

  it("lists every stage and action with state, duration and log links, and completes with the outcome", async () => {
    await app.deliver("push", pushToBranch("feature/login", A, { created: true }));
    await app.settle();
    const check = github.checkRunsFor(A)[0]!;
    expect(check.conclusion).toBe("success");
    expect(check.output.text).toMatch(/\| Source \| Source \| ✅ succeeded \| \d+ s \|/);
    expect(check.output.text).toMatch(/\| Build \| Build \| ✅ succeeded \| \d+ s \| \[logs\]\(https:\/\/[^)]+\) \|/);
    // It was shown in progress, with the table, before it completed.
    expect(check.history.filter((h) => h.status === "in_progress").length).toBeGreaterThanOrEqual(2);
    expect(check.details_url).toContain("/executions/");
  });

  it("ends a failed run as a failure that names the failed action", async () => {
    aws.emulator.control.scriptAction({
      stage: "Build",
      action: "Build",
      outcome: "fail",
      message: "npm test: 3 failing",
    });
    await app.deliver("push", pushToBranch("feature/login", A, { created: true }));
    await app.settle();
    const check = github.checkRunsFor(A)[0]!;
    expect(check).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(check.output.title).toBe("Pipeline failed");
    expect(check.output.text).toContain("❌ failed");
    expect(check.output.text).toContain("npm test: 3 failing");
    expect(github.model.deploymentsFor("octo-org/shop")[0]!.statuses.at(-1)!.state).toBe("failure");
  });

  it("ends a run overtaken by a newer commit as neutral, not as a failure", async () => {
    // The run CloudFormation starts when it creates the pipeline holds Build, so A waits at Build's
    // gate, where B overtakes it: CodePipeline's SUPERSEDED mode.
    aws.emulator.control.scriptAction({
      stage: "Build",
      action: "Build",
      outcome: "succeed",
      durationMs: 5_000,
      times: 1,
    });
    await app.deliver("push", pushToBranch("feature/login", A, { created: true }));
    await expect.poll(() => github.checkRunsFor(A)[0]?.external_id ?? null, { timeout: 10_000 }).not.toBeNull();
    await app.deliver("push", pushToBranch("feature/login", B));
    await app.settle();
    expect(github.checkRunsFor(A)[0]).toMatchObject({ status: "completed", conclusion: "neutral" });
    expect(github.checkRunsFor(A)[0]!.output.title).toBe("Superseded by a newer run");
    expect(github.checkRunsFor(B)[0]).toMatchObject({ conclusion: "success" });
  });
});

describe("the deployment ledger", () => {
  beforeEach(async () => {
    app = await startBranchline(aws.clients);
  });

  it("records each run as a deployment of its commit, with the environment URL, and inactive once torn down", async () => {
    await app.deliver("push", pushToBranch("feature/login", A, { created: true }));
    await app.settle();
    const [deployment] = github.model.deploymentsFor("octo-org/shop", "branch/feature/login");
    expect(deployment).toMatchObject({
      sha: A,
      transient_environment: true,
      production_environment: false,
      auto_merge: false,
      required_contexts: [],
    });
    expect(deployment!.statuses.map((s) => s.state)).toEqual(["in_progress", "success"]);
    expect(deployment!.statuses[1]!.environment_url).toMatch(/^https:\/\/br-feature-login-[0-9a-f]{8}\.example\.test$/);
    expect(deployment!.statuses[0]!.log_url).toContain("/executions/");

    await app.deliver("delete", deleteRef("branch", "feature/login"));
    await app.settle();
    expect(deployment!.statuses.at(-1)!.state).toBe("inactive");
  });

  it("marks production as the production environment", async () => {
    // A release must be on the default branch and have passed staging (test/app/promotion.test.ts).
    github.ref("main", A);
    await app.deliver("push", pushToBranch("main", A));
    await app.settle();
    await app.deliver("push", pushTag("v1.0.0", A));
    await app.settle();
    const [production] = github.model.deploymentsFor("octo-org/shop", "production");
    expect(production).toMatchObject({ sha: A, production_environment: true, transient_environment: false });
    expect(github.model.deploymentsFor("octo-org/shop", "staging")[0]).toMatchObject({ production_environment: false });
  });
});

describe("pipeline events", () => {
  it("refuse a request without the secret (401) or malformed (400), and change nothing", async () => {
    app = await startBranchline(aws.clients, { eventsSecret: SECRET });
    const url = await serveHandlers();
    const post = (body: string, secret?: string) =>
      postJson(url, body, secret ? { "x-branchline-secret": secret } : {});
    const event = JSON.stringify({
      source: "aws.codepipeline",
      "detail-type": "CodePipeline Pipeline Execution State Change",
      detail: { pipeline: "p", "execution-id": "e", state: "STARTED" },
    });
    expect(await post(event)).toBe(401);
    expect(await post(event, "wrong-secret-wrong-secret-wrong-secret")).toBe(401);
    expect(await post("{not json", SECRET)).toBe(400);
    expect(await post(JSON.stringify({ source: "aws.s3" }), SECRET)).toBe(400);
    expect(callCount(aws, "cloudformation") + callCount(aws, "codepipeline")).toBe(0);
    expect(app.logs.join("")).not.toContain(SECRET);
  });

  it("carry a run to its end when polling is too slow to", async () => {
    // Polling once a minute: only the events can finish this run within the test.
    app = await startBranchline(aws.clients, { eventsSecret: SECRET, runPollMs: 60_000 });
    // EventBridge as it is: an event for every change, many twice, some late.
    server = await unkindPipelineEvents(() => app, aws, 11);
    await app.deliver("push", pushToBranch("feature/login", A, { created: true }));
    await expect.poll(() => github.checkRunsFor(A)[0]?.conclusion ?? null, { timeout: 15_000 }).toBe("success");
  });

  it("take up the reporting of a run this process did not start", async () => {
    app = await startBranchline(aws.clients, { eventsSecret: SECRET, runPollMs: 60_000 });
    server = await unkindPipelineEvents(() => app, aws, 12);
    await app.deliver("push", pushToBranch("feature/login", A, { created: true }));
    await expect.poll(() => github.checkRunsFor(A)[0]?.conclusion ?? null, { timeout: 15_000 }).toBe("success");
    // Another replica (or this one, before a restart) starts a run for B; only its events reach us.
    github.ref("refs/heads/feature/login", B);
    const pipeline = pipelineOf(await onlyStack(aws));
    await aws.clients.codepipeline.send(
      new StartPipelineExecutionCommand({
        name: pipeline,
        sourceRevisions: [{ actionName: "Source", revisionType: "COMMIT_ID", revisionValue: B }],
      }),
    );
    await expect.poll(() => github.checkRunsFor(B)[0]?.conclusion ?? null, { timeout: 15_000 }).toBe("success");
    expect(github.checkRunsFor(B)[0]!.name).toBe("branchline: branch/feature/login");
    // However many times its events came, the run taken up has one check run.
    await aws.emulator.control.drainEvents();
    await app.settle();
    expect(github.checkRunsFor(B)).toHaveLength(1);
  });
});

describe("buttons", () => {
  beforeEach(async () => {
    app = await startBranchline(aws.clients);
    await app.deliver("push", pushToBranch("feature/login", A, { created: true }));
    await app.settle();
  });

  const press = (action: "rerequested" | "requested_action", user: string) => {
    const run = github.checkRunsFor(A)[0]!;
    return app.deliver(
      "check_run",
      checkRunEvent(action, { id: run.id, name: run.name, headSha: A, user, identifier: "reprovision" }),
    );
  };

  it("Re-run starts a new run of that commit for someone with write access", async () => {
    github.repository.collaborator("dev", "write");
    await press("rerequested", "dev");
    await app.settle();
    expect(await pinnedCommits(aws.clients, pipelineOf(await onlyStack(aws)))).toEqual([A, A]);
    expect(github.checkRunsFor(A).map((c) => c.conclusion)).toEqual(["success", "success"]);
    // The new run's deployment records who pressed the button, not who pushed.
    expect(github.model.deployments.map((d) => (d.payload as { actor?: string }).actor)).toEqual(["Codertocat", "dev"]);
  });

  it("refuses someone without the configured role, with a note on the check run, and changes nothing", async () => {
    github.repository.collaborator("visitor", "read");
    await press("rerequested", "visitor");
    await app.settle();
    expect(callCount(aws, "codepipeline", "StartPipelineExecution")).toBe(1);
    const [only] = github.checkRunsFor(A);
    expect(github.checkRunsFor(A)).toHaveLength(1);
    expect(only!.output.summary).toContain("@visitor asked to re-run this check, but that needs the **write** role");
    expect(only!.conclusion).toBe("success");
  });

  it("Re-provision rebuilds a branch environment's stack from scratch, then runs", async () => {
    github.repository.collaborator("dev", "maintain");
    const before = (await onlyStack(aws)).StackId;
    await press("requested_action", "dev");
    await app.settle();
    const after = await onlyStack(aws);
    expect(after.StackId).not.toBe(before);
    expect(after.StackStatus).toBe("CREATE_COMPLETE");
    const latest = github.checkRunsFor(A).at(-1)!;
    expect(latest.conclusion).toBe("success");
    expect(latest.output.summary).toContain("a rebuild was requested");
  });
});

describe("pull requests", () => {
  beforeEach(async () => {
    app = await startBranchline(aws.clients);
  });

  it("start nothing for a head commit that already has a run", async () => {
    await app.deliver("push", pushToBranch("feature/login", A, { created: true }));
    await app.settle();
    await app.deliver("pull_request", pullRequestEvent("opened", { branch: "feature/login", sha: A }));
    await app.deliver("pull_request", pullRequestEvent("reopened", { branch: "feature/login", sha: A }));
    await app.settle();
    expect(callCount(aws, "codepipeline", "StartPipelineExecution")).toBe(1);
    expect(github.checkRunsFor(A)).toHaveLength(1);
  });

  it("deploy a head commit whose push never arrived", async () => {
    await app.deliver("push", pushToBranch("feature/login", A, { created: true }));
    await app.settle();
    await app.deliver("pull_request", pullRequestEvent("synchronize", { branch: "feature/login", sha: C }));
    await app.settle();
    expect(await pinnedCommits(aws.clients, pipelineOf(await onlyStack(aws)))).toEqual([A, C]);
  });

  it("from a fork cause nothing", async () => {
    await app.deliver("pull_request", pullRequestEvent("opened", { branch: "feature/login", sha: A, fromFork: true }));
    await app.settle();
    expect(await allStacks(aws.clients)).toEqual([]);
    expect(github.checkRuns).toEqual([]);
  });
});
