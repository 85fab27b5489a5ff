import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { allStacks, emulatedAws, executions, tagsOf, type EmulatedAws } from "../support/aws.js";
import { startFakeGitHubServer, type FakeGitHubServer } from "../support/fake-github-server.js";
import { createRef, INSTALLATION_ID, pushToBranch } from "../support/payloads.js";
import {
  deliverWebhook,
  eventually,
  generateAppKeyPair,
  startAppServer,
  stopAllProcesses,
  type AppServer,
} from "../support/processes.js";
import { CONFIG, TEMPLATE, TEMPLATE_PATH } from "../support/repository-fixtures.js";

/**
 * Issue 15's acceptance, with the built server as `npm start` runs it: 25 branches created at once,
 * the emulator sending a pipeline event for every stage and action change (each perhaps twice, some
 * late, some before the engine knows of the run) to the events route. GitHub's reporting must not
 * slow AWS work: every run starts within 1.5× of the time the same burst takes with reporting off.
 *
 * "Reporting off" is GitHub answering no write at all (the fake holds every write): nothing the app
 * reports ever completes, so the time the burst takes then is its AWS work and GitHub reads alone.
 * "Reporting on" is GitHub answering writes as it does, at the pace the app's own Octokit keeps
 * (Probot spaces an installation's writes a second apart): about 100 writes for this burst, so a
 * run that waited for its reports would start more than a minute late.
 */

const BRANCHES = 25;
const LIMIT = 1.5;
const APP_ID = 4242;
const EVENTS_SECRET = `events-secret-${randomUUID()}`;
// Runs long enough to send many events each; stacks quick enough that the burst is AWS-bound, not test-bound.
const TIMING = { stackOperationMs: 200, changeSetMs: 100, actionMs: 300 };
const keys = generateAppKeyPair();

const commitOf = (i: number) => (i + 1).toString(16).padStart(4, "0").repeat(10);
const branchOf = (i: number) => `feature/burst-${i}`;

interface Scene {
  readonly github: FakeGitHubServer;
  readonly aws: EmulatedAws;
  readonly app: AppServer;
}

let open: Scene | undefined;

afterEach(async () => {
  await stopAllProcesses();
  open?.github.writes.release();
  await open?.github.close();
  await open?.aws.close();
  open = undefined;
});

async function startScene(): Promise<Scene> {
  const github = await startFakeGitHubServer({ appId: APP_ID, appPublicKey: keys.publicKey });
  github.model.install(INSTALLATION_ID, "octo-org", ["octo-org/shop"]);
  const repo = github.model.repository("octo-org", "shop").file("main", ".github/branchline.yml", CONFIG);
  for (let i = 0; i < BRANCHES; i++) repo.file(commitOf(i), TEMPLATE_PATH, TEMPLATE).branch(branchOf(i), commitOf(i));
  const aws = await emulatedAws({ timing: TIMING });
  const secret = `webhook-secret-${randomUUID()}`;
  const app = await startAppServer({
    githubHost: github.host,
    awsEndpoint: aws.emulator.url,
    credentials: { appId: APP_ID, privateKey: keys.privateKey, webhookSecret: secret },
    logLevel: "info",
    env: { BRANCHLINE_EVENTS_SECRET: EVENTS_SECRET, BRANCHLINE_RECONCILE_MINUTES: "0" },
  });
  // EventBridge at its unkindest: every change, 70% of them twice, 40% up to a second late.
  aws.emulator.control.setEventSink({
    url: `${app.url}/branchline/events`,
    headers: { "x-branchline-secret": EVENTS_SECRET },
    unkind: { seed: 15, duplicateRate: 0.7, lateRate: 0.4, lateMs: 1_000 },
  });
  open = { github, aws, app };
  return open;
}

/** Each branch as GitHub announces a new one: `create` and `push`, all at once. */
async function createBranches(app: AppServer): Promise<void> {
  const secret = app.process.env.WEBHOOK_SECRET!;
  const sent = Array.from({ length: BRANCHES }, async (_, i) => {
    const created = await deliverWebhook(app.webhookUrl, secret, "create", createRef("branch", branchOf(i)));
    const pushed = await deliverWebhook(
      app.webhookUrl,
      secret,
      "push",
      pushToBranch(branchOf(i), commitOf(i), { created: true }),
    );
    return [created.status, pushed.status];
  });
  expect((await Promise.all(sent)).flat().every((status) => status >= 200 && status < 300)).toBe(true);
}

/** When each branch's run for its commit started (ms since the epoch, as AWS stamps it), for the branches that have one. */
async function runStarts(aws: EmulatedAws): Promise<Map<number, number>> {
  const starts = new Map<number, number>();
  for (const stack of await allStacks(aws.clients)) {
    const ref = tagsOf(stack)["branchline:ref"] ?? "";
    const i = Number(/burst-(\d+)$/.exec(ref)?.[1] ?? -1);
    const pipeline = stack.Outputs?.find((o) => o.OutputKey === "PipelineName")?.OutputValue;
    if (i < 0 || !pipeline) continue;
    const runs = (await executions(aws.clients, pipeline)).filter(
      (e) => e.trigger?.triggerType === "StartPipelineExecution" && e.sourceRevisions?.[0]?.revisionId === commitOf(i),
    );
    const first = Math.min(...runs.map((run) => run.startTime?.getTime() ?? Infinity));
    if (Number.isFinite(first)) starts.set(i, first);
  }
  return starts;
}

/** Creates the branches at once; resolves with the time from the first delivery until the last of their runs started. */
async function burst(scene: Scene): Promise<number> {
  const started = Date.now();
  await createBranches(scene.app);
  const starts = await eventually(
    async () => {
      const now = await runStarts(scene.aws);
      return now.size === BRANCHES ? now : undefined;
    },
    120_000,
    `all ${BRANCHES} runs to start`,
    () => scene.app.process.text().slice(-5_000),
  );
  return Math.max(...starts.values()) - started;
}

describe("the built server, 25 branches created at once, pipeline events on: GitHub's write pace never slows AWS work", () => {
  it("every run starts within 1.5× of the burst's time with reporting off; each commit ends with one check run, each execution with one deployment, in the run's outcome", async () => {
    // Reporting off: GitHub answers no write, so nothing reported can hold anything up.
    const off = await startScene();
    off.github.writes.hold();
    const baselineMs = await burst(off);
    expect(off.github.writes.answered).toBe(0);
    await stopAllProcesses();
    off.github.writes.release();
    await off.github.close();
    await off.aws.close();
    open = undefined;

    // Reporting on, at the app's own pace.
    const on = await startScene();
    const measuredMs = await burst(on);
    const ratio = measuredMs / baselineMs;
    console.log(
      `[burst] ${BRANCHES} branches: every run started ${measuredMs} ms after the burst with GitHub reporting, ${baselineMs} ms without (${ratio.toFixed(2)}×; limit ${LIMIT}×); GitHub had answered ${on.github.writes.answered} writes by then`,
    );
    expect(ratio, `${measuredMs} ms with reporting, ${baselineMs} ms without`).toBeLessThanOrEqual(LIMIT);

    // The reports catch up at GitHub's pace; each check run and deployment ends in its run's outcome.
    const model = on.github.model;
    await eventually(
      () =>
        Array.from({ length: BRANCHES }, (_, i) => model.checkRunsFor(commitOf(i))).every(
          (runs) => runs.length > 0 && runs.every((run) => run.status === "completed"),
        )
          ? true
          : undefined,
      180_000,
      "every check run to end",
      () => on.app.process.text().slice(-5_000),
    );
    await eventually(
      () =>
        model.deploymentsFor("octo-org/shop").filter((d) => d.statuses.at(-1)?.state === "success").length === BRANCHES
          ? true
          : undefined,
      60_000,
      "every deployment to end",
    );
    await on.aws.emulator.control.drainEvents();
    // A late event after the end must not open a second check run or deployment: give it the time to.
    await new Promise((resolve) => setTimeout(resolve, 3_000));

    const deployments = model.deploymentsFor("octo-org/shop");
    for (let i = 0; i < BRANCHES; i++) {
      expect(model.checkRunsFor(commitOf(i)), branchOf(i)).toEqual([
        expect.objectContaining({
          name: `branchline: branch/${branchOf(i)}`,
          status: "completed",
          conclusion: "success",
        }),
      ]);
      const ofCommit = deployments.filter((d) => d.sha === commitOf(i));
      expect(ofCommit, branchOf(i)).toHaveLength(1);
      expect(ofCommit[0]!.statuses.at(-1)?.state, branchOf(i)).toBe("success");
    }
    const executionIds = deployments.map((d) => (d.payload as { executionId?: string }).executionId);
    expect(new Set(executionIds).size).toBe(BRANCHES);
    expect(model.unexpected).toEqual([]);
  }, 420_000);
});
