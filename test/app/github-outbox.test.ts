import type { Server } from "node:http";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeGitHub } from "../support/fake-github.js";
import { startBranchline, type RunningApp } from "../support/branchline.js";
import { allStacks, emulatedAws, executions, type EmulatedAws } from "../support/aws.js";
import { pushToBranch } from "../support/payloads.js";
import { eventually } from "../support/processes.js";
import { closeEventScene, EVENTS_SECRET, unkindPipelineEvents } from "../support/pipeline-events.js";
import { givenRepository, pipelineOf } from "../support/scenario.js";

const BRANCHES = 25;

let aws: EmulatedAws;
let github: FakeGitHub;
let app: RunningApp;
let server: Server | undefined;

/** Branch i's commit: forty hex digits of its own. */
const commitOf = (i: number) => (i + 1).toString(16).padStart(4, "0").repeat(10);
const branchOf = (i: number) => `feature/burst-${i}`;

beforeEach(async () => {
  aws = await emulatedAws();
  github = new FakeGitHub("octo-org", "shop").install();
  givenRepository(github, { commits: Array.from({ length: BRANCHES }, (_, i) => commitOf(i)) });
});

afterEach(async () => {
  github.writes.release();
  await closeEventScene({ app, aws, github }, server);
  server = undefined;
});

/** Branch stacks whose pipeline has a run pinned to the branch's commit (that has ended, with `ended`). */
async function runsStarted({ ended = false } = {}): Promise<number> {
  let started = 0;
  for (const stack of await allStacks(aws.clients)) {
    const branch = stack.Tags?.find((t) => t.Key === "branchline:ref")?.Value;
    const index = Array.from({ length: BRANCHES }, (_, i) => i).find(
      (i) => branch !== undefined && branch.endsWith(`burst-${i}`),
    );
    if (index === undefined || !stack.Outputs?.some((o) => o.OutputKey === "PipelineName")) continue;
    const runs = (await executions(aws.clients, pipelineOf(stack))).filter(
      (e) =>
        e.trigger?.triggerType === "StartPipelineExecution" && e.sourceRevisions?.[0]?.revisionId === commitOf(index),
    );
    if (runs.some((run) => !ended || run.status === "Succeeded")) started++;
  }
  return started;
}

describe("GitHub's writes are an outbox: AWS work never waits for them", () => {
  it(`${BRANCHES} branches created at once while GitHub answers no write: every run starts; once GitHub answers, each commit has one check run and each execution one deployment, ending in the run's outcome`, async () => {
    app = await startBranchline(aws.clients, { eventsSecret: EVENTS_SECRET, runPollMs: 300, concurrency: 4 });
    server = await unkindPipelineEvents(() => app, aws, 7);
    github.writes.hold();
    for (let i = 0; i < BRANCHES; i++)
      await app.deliver("push", pushToBranch(branchOf(i), commitOf(i), { created: true }));

    await eventually(
      async () => ((await runsStarted()) === BRANCHES ? true : undefined),
      90_000,
      `all ${BRANCHES} runs to start`,
    );
    expect(github.writes.answered).toBe(0);
    await eventually(
      async () => ((await runsStarted({ ended: true })) === BRANCHES ? true : undefined),
      60_000,
      `all ${BRANCHES} runs to end`,
    );
    await eventually(
      () => (app.engine.pending.following === 0 && app.engine.pending.running === 0 ? true : undefined),
      30_000,
      "every run to be reported (to the outbox)",
    );
    expect(github.writes.answered).toBe(0);
    // Per run, its check run and its deployment, each collapsed to one write: and the one write the
    // lane had sent when GitHub stopped answering (a lane sends one at a time), still in flight.
    expect(app.engine.pending.writes).toBe(2 * BRANCHES + 1);

    // GitHub answers again, at a pace: every report catches up, each collapsed to its newest state:
    // the minimum a run needs, its check run made (ended), its deployment made and its outcome set.
    github.writes.release(5);
    await eventually(
      () =>
        Array.from({ length: BRANCHES }, (_, i) => github.checkRunsFor(commitOf(i))).every(
          (runs) => runs[0]?.status === "completed",
        )
          ? true
          : undefined,
      60_000,
      "every check run to end",
    );
    await aws.emulator.control.drainEvents();
    await app.settle();

    const deployments = github.model.deploymentsFor("octo-org/shop");
    for (let i = 0; i < BRANCHES; i++) {
      expect(github.checkRunsFor(commitOf(i)), branchOf(i)).toEqual([
        expect.objectContaining({ status: "completed", conclusion: "success" }),
      ]);
      const ofCommit = deployments.filter((d) => d.sha === commitOf(i));
      expect(ofCommit, branchOf(i)).toHaveLength(1);
      expect(ofCommit[0]!.statuses.at(-1)?.state).toBe("success");
    }
    // The first run's check run was created with its first state (the write in flight), so it needs
    // one update more than the others.
    expect(github.writes.answered).toBe(3 * BRANCHES + 1);
    const executionIds = deployments.map((d) => (d.payload as { executionId?: string }).executionId);
    expect(new Set(executionIds).size).toBe(BRANCHES);
  }, 180_000);
});
