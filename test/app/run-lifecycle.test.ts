import type { Server } from "node:http";
import { DeleteStackCommand } from "@aws-sdk/client-cloudformation";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeGitHub } from "../support/fake-github.js";
import { startBranchline, type RunningApp } from "../support/branchline.js";
import { emulatedAws, executions, type EmulatedAws } from "../support/aws.js";
import { pushToBranch } from "../support/payloads.js";
import { eventually } from "../support/processes.js";
import { closeEventScene, EVENTS_SECRET, unkindPipelineEvents } from "../support/pipeline-events.js";
import { A, B, C, givenRepository, onlyStack, pipelineOf } from "../support/scenario.js";

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
  await closeEventScene({ app, aws, github }, server);
  server = undefined;
});

/** Every deployment of the repository, by the execution its payload names. */
function deploymentsByExecution(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const deployment of github.model.deploymentsFor("octo-org/shop")) {
    const executionId = (deployment.payload as { executionId?: string }).executionId ?? "none";
    counts.set(executionId, (counts.get(executionId) ?? 0) + 1);
  }
  return counts;
}

describe("one run lifecycle, however the run is found", () => {
  it.each([1, 2, 3])(
    "pipeline events, duplicated, early and late (seed %i), give one check run per commit and one deployment per execution",
    async (seed) => {
      app = await startBranchline(aws.clients, { eventsSecret: EVENTS_SECRET, runPollMs: 300 });
      // Writes as slow as GitHub's pace: the events of a run arrive while its start is still being recorded.
      github.writeDelayMs = 150;
      server = await unkindPipelineEvents(() => app, aws, seed);
      for (const [index, commit] of [A, B, C].entries()) {
        await app.deliver("push", pushToBranch("feature/login", commit, { created: index === 0 }));
        await eventually(
          () => (github.checkRunsFor(commit)[0]?.status === "completed" ? true : undefined),
          20_000,
          `${commit.slice(0, 4)}'s check run to end`,
        );
      }
      await aws.emulator.control.drainEvents();
      await app.settle();

      const pipeline = pipelineOf(await onlyStack(aws));
      const ours = (await executions(aws.clients, pipeline)).filter((e) => e.trigger?.triggerType !== "CreatePipeline");
      expect(ours).toHaveLength(3);
      const byExecution = deploymentsByExecution();
      for (const execution of ours) expect(byExecution.get(execution.pipelineExecutionId!)).toBe(1);
      expect([...byExecution.values()].reduce((a, b) => a + b, 0)).toBe(3);
      for (const commit of [A, B, C]) {
        expect(github.checkRunsFor(commit)).toEqual([
          expect.objectContaining({ status: "completed", conclusion: "success" }),
        ]);
      }
      for (const deployment of github.model.deploymentsFor("octo-org/shop")) {
        expect(deployment.statuses.at(-1)?.state).toBe("success");
      }
    },
  );
});

describe("a pipeline deleted mid-run", () => {
  it("ends its check run cancelled at the next look, instead of being polled for hours", async () => {
    app = await startBranchline(aws.clients, { runPollMs: 200 });
    aws.emulator.control.scriptAction({
      stage: "Build",
      action: "Build",
      outcome: "succeed",
      durationMs: 60_000,
      times: 1,
    });
    await app.deliver("push", pushToBranch("feature/login", A, { created: true }));
    await eventually(() => (github.checkRunsFor(A)[0]?.external_id ? true : undefined), 20_000, "the run to start");
    const stack = await onlyStack(aws);
    await aws.clients.cloudformation.send(new DeleteStackCommand({ StackName: stack.StackName! }));
    await eventually(
      () => (github.checkRunsFor(A)[0]?.status === "completed" ? true : undefined),
      15_000,
      "the check run to end",
    );
    expect(github.checkRunsFor(A)).toEqual([expect.objectContaining({ conclusion: "cancelled" })]);
    expect(github.checkRunsFor(A)[0]!.output.summary).toContain("was deleted while this run was in progress");
  });
});
