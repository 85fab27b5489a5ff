import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { StartPipelineExecutionCommand } from "@aws-sdk/client-codepipeline";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RunningApp } from "../support/branchline.js";
import { allStacks, pinnedCommits, tagsOf, type EmulatedAws } from "../support/aws.js";
import type { FakeGitHub } from "../support/fake-github.js";
import { pushToBranch } from "../support/payloads.js";
import { A, B, closeScene, CONFIG, givenRepository, openScene, pipelineOf } from "../support/scenario.js";

let aws: EmulatedAws;
let github: FakeGitHub;
let app: RunningApp;
let server: Server | undefined;

beforeEach(async () => ({ aws, github, app } = await openScene()));

afterEach(async () => {
  await closeScene({ aws, github, app });
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A loopback notification sink; returns its URL and the event names it received. */
async function hookSink() {
  const events: string[] = [];
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      events.push((JSON.parse(Buffer.concat(chunks).toString("utf8")) as { event: string }).event);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, events };
}

/**
 * Staging ran A; then a run of B was started by a process that died before it reported anything
 * (no check run, no deployment), and B's run fails. This process takes it up at start-up.
 */
async function runTakenUpAfterRestart(): Promise<string> {
  github.repository.ancestors(B, [A]);
  await app.deliver("push", pushToBranch("main", A));
  await app.settle();
  expect(github.checkRunsFor(A)[0]).toMatchObject({ conclusion: "success" });
  const staging = (await allStacks(aws.clients)).find((s) => tagsOf(s)["branchline:environment"] === "staging")!;
  const pipeline = pipelineOf(staging);
  github.ref("main", B);
  aws.emulator.control.scriptAction({
    stage: "Build",
    action: "Build",
    outcome: "fail",
    message: "tests failed",
    durationMs: 300,
    times: 1,
  });
  await aws.clients.codepipeline.send(
    new StartPipelineExecutionCommand({
      name: pipeline,
      sourceRevisions: [{ actionName: "Source", revisionType: "COMMIT_ID", revisionValue: B }],
    }),
  );
  const summary = await app.reconciler.pass({ reportOnly: false });
  expect(summary.actions.map((a) => a.kind)).toEqual(["resume"]);
  await app.settle();
  await app.settle();
  return pipeline;
}

describe("a run taken up after a restart has the same hooks as one started here", () => {
  it("onFailure: webhook still notifies", async () => {
    const hook = await hookSink();
    process.env.BRANCHLINE_SINK_TEST_RESTART_SECRET = "restart-hook-secret";
    givenRepository(github, {
      config: `${CONFIG}onFailure:\n  staging: webhook\nnotifications:\n  sinks:\n    - type: webhook\n      url: ${hook.url}\n      secretEnv: BRANCHLINE_SINK_TEST_RESTART_SECRET\n`,
    });
    await runTakenUpAfterRestart();
    expect(github.checkRunsFor(B)).toEqual([expect.objectContaining({ conclusion: "failure" })]);
    await expect.poll(() => hook.events, { timeout: 10_000 }).toContain("run.failed");
    // Its start was announced by the process that started it, not again.
    expect(hook.events.filter((e) => e === "run.started")).toHaveLength(1);
  });

  it("onFailure: redeploy-last-good still rolls back", async () => {
    givenRepository(github, { config: `${CONFIG}onFailure:\n  staging: redeploy-last-good\n` });
    const pipeline = await runTakenUpAfterRestart();
    expect(github.checkRunsFor(B)[0]).toMatchObject({ conclusion: "failure" });
    expect(await pinnedCommits(aws.clients, pipeline)).toEqual([A, B, A]);
    const deployments = github.model.deploymentsFor("octo-org/shop", "staging");
    expect(deployments.map((d) => d.sha)).toEqual([A, B, A]);
    expect(deployments[2]!.statuses.at(-1)!.state).toBe("success");
  });
});
