import { createHash, createPublicKey, randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import nock from "nock";
import { afterEach, describe, expect, it, onTestFinished } from "vitest";
import type { Environment } from "../../src/core/environment.js";
import { environmentNames } from "../../src/core/naming.js";
import type { ExecutionView, StackView } from "@branchline/aws-emulator";
import { emulatedAws, type EmulatedAws } from "../support/aws.js";
import { startBranchline, testPrivateKey } from "../support/branchline.js";
import { FakeGitHub } from "../support/fake-github.js";
import { startFakeGitHubServer, type FakeGitHubServer } from "../support/fake-github-server.js";
import type { GitHubModel, RepositoryModel } from "../support/github-model.js";
import { createRef, deleteRef, INSTALLATION_ID, pushDeletingBranch, pushToBranch } from "../support/payloads.js";
import { CONFIG, TEMPLATE, TEMPLATE_PATH } from "../support/scenario.js";
import {
  deliverWebhook,
  eventually,
  pidAlive,
  runningProcesses,
  startAppServer,
  stopAllProcesses,
  type AppCredentials,
  type AppServer,
} from "../support/processes.js";
import { prng } from "../support/prng.js";

/**
 * Restart safety (issue 6, point 5): the built server is SIGKILLed at chosen moments of its work and
 * started again with the same environment and port. GitHub's truth (branches) and AWS's state are all
 * a restarted process has; the start-up reconcile pass and idempotent redeliveries must between them
 * lose nothing and repeat nothing.
 *
 * The kill moments are picked from a seeded PRNG (BRANCHLINE_RESTART_SEED overrides the seed; it is
 * printed), as are the order of the deliveries, which deliveries GitHub "never redelivers", and the
 * delays. BRANCHLINE_TEST_RECONCILE_MINUTES overrides the server's reconcile interval: with 0 (no
 * reconcile pass at all) the mixed scenario must fail, which is how this test was checked to depend
 * on recovery. BRANCHLINE_RESTART_DUMP=FILE writes the kill log and the server's whole output there.
 */

const CHANGED_TEMPLATE = TEMPLATE.replace("Status: Enabled", "Status: Suspended");
const OWNER = "octo-org";
const REPO = "shop";
const REPO_REF = { owner: OWNER, name: REPO };
const FULL_NAME = `${OWNER}/${REPO}`;
// The in-process app that sets the scene signs as app 12345 with testPrivateKey(); the server does too.
const APP_ID = 12345;
const SEED = Number(process.env.BRANCHLINE_RESTART_SEED ?? 6_005);
const RECONCILE_MINUTES = process.env.BRANCHLINE_TEST_RECONCILE_MINUTES ?? "10";
// Runs last two actions of 2.5 s, stack operations 2 s: long enough to be caught mid-way by polling
// the emulator, and for a killed server to be back before a run it was following ends.
const TIMING = { stackOperationMs: 2_000, changeSetMs: 300, actionMs: 2_500 };

function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const between = (random: () => number, min: number, max: number) => Math.floor(min + random() * (max - min));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A commit id per label: distinct, stable, 40 hex digits. */
function sha(label: string): string {
  return createHash("sha1").update(label).digest("hex");
}

function environmentOf(branch: string): Environment {
  return branch === "main" ? { kind: "staging", branch } : { kind: "branch", branch };
}

function stackNameOf(branch: string): string {
  return environmentNames("branchline", REPO_REF, environmentOf(branch)).stack;
}

function checkNameOf(branch: string): string {
  return branch === "main" ? "branchline: staging" : `branchline: branch/${branch}`;
}

interface Sent {
  readonly id: string;
  readonly name: string;
  readonly payload: unknown;
  readonly label: string;
}

interface Scene {
  readonly github: FakeGitHubServer;
  readonly model: GitHubModel;
  readonly repo: RepositoryModel;
  readonly aws: EmulatedAws;
}

const live: { github?: FakeGitHubServer; aws?: EmulatedAws } = {};

afterEach(async () => {
  const started = runningProcesses().map((p) => p.pid);
  await stopAllProcesses();
  for (const pid of started) if (pid !== undefined) expect(pidAlive(pid), `process ${pid} is still alive`).toBe(false);
  nock.cleanAll();
  nock.enableNetConnect();
  nock.restore();
  await live.github?.close();
  await live.aws?.close();
  live.github = undefined;
  live.aws = undefined;
});

/** The fake GitHub (over loopback, verifying the App's JWTs) and the emulator, in this process. */
async function scene(): Promise<Scene> {
  const aws = await emulatedAws({ timing: TIMING });
  live.aws = aws;
  const github = await startFakeGitHubServer({
    appId: APP_ID,
    appPublicKey: createPublicKey(testPrivateKey()).export({ type: "spki", format: "pem" }).toString(),
  });
  live.github = github;
  const model = github.model;
  model.install(INSTALLATION_ID, OWNER, [FULL_NAME]);
  const repo = model.repository(OWNER, REPO);
  repo.file("main", ".github/branchline.yml", CONFIG);
  return { github, model, repo, aws };
}

/** A branch at a commit in git, with the template at that commit. */
function commitTo(repo: RepositoryModel, branch: string, commit: string, template = TEMPLATE): void {
  repo.file(commit, TEMPLATE_PATH, template).branch(branch, commit);
}

/**
 * The environments that exist before the server starts, made by branchline itself (in this process,
 * against the same emulator and the same GitHub model, through nock): setting the scene through the
 * server would spend a minute in Probot's one-write-a-second throttling.
 */
async function environmentsBefore(s: Scene, branches: readonly { branch: string; commit: string }[]): Promise<void> {
  if (!nock.isActive()) nock.activate();
  const nocked = new FakeGitHub(OWNER, REPO, { model: s.model }).install();
  const app = await startBranchline(s.aws.clients, { concurrency: 4 });
  for (const { branch, commit } of branches) {
    await app.deliver("push", pushToBranch(branch, commit, { created: branch !== "main" }));
  }
  await app.settle();
  nocked.assertClean();
  // nock is done: the rest of the test talks to the server over real loopback HTTP.
  nock.enableNetConnect();
  nock.restore();
  for (const { branch, commit } of branches) {
    const check = s.model.checkRunsFor(commit, FULL_NAME).find((c) => c.name === checkNameOf(branch));
    expect(check?.conclusion, `the scene's ${branch} deployed`).toBe("success");
  }
}

async function startServer(
  s: Scene,
  credentials: AppCredentials,
  extraEnv: Record<string, string> = {},
): Promise<AppServer> {
  return startAppServer({
    githubHost: s.github.host,
    awsEndpoint: s.aws.emulator.url,
    credentials,
    logLevel: "info",
    env: {
      BRANCHLINE_STACK_POLL_SECONDS: "1",
      BRANCHLINE_RUN_POLL_SECONDS: "1",
      BRANCHLINE_RECONCILE_MINUTES: RECONCILE_MINUTES,
      ...extraEnv,
    },
  });
}

function liveStacks(aws: EmulatedAws): StackView[] {
  return aws.emulator.control.stacks().filter((stack) => stack.status !== "DELETE_COMPLETE");
}

/** Runs branchline started (pinned to a commit), newest first, for the stack of one branch. */
function pinnedRuns(aws: EmulatedAws, branch: string): ExecutionView[] {
  const stack = liveStacks(aws).find((s) => s.stackName === stackNameOf(branch));
  const pipeline = stack?.outputs.PipelineName;
  if (!pipeline) return [];
  return aws.emulator.control.executions(pipeline).filter((e) => e.triggerType === "StartPipelineExecution");
}

/** What is wrong with one branch's environment, or null when it is converged to its head. */
function branchProblem(s: Scene, branch: string, head: string): string | null {
  const stack = liveStacks(s.aws).find((st) => st.stackName === stackNameOf(branch));
  if (!stack) return `${branch}: no stack`;
  if (stack.status !== "CREATE_COMPLETE" && stack.status !== "UPDATE_COMPLETE")
    return `${branch}: stack ${stack.status}`;
  const run = pinnedRuns(s.aws, branch).find((e) => e.revisions[0] === head);
  if (!run) return `${branch}: no run for its head ${head.slice(0, 7)}`;
  if (run.status !== "Succeeded") return `${branch}: the run for ${head.slice(0, 7)} is ${run.status}`;
  const checks = s.model.checkRunsFor(head, FULL_NAME).filter((c) => c.name === checkNameOf(branch));
  if (checks.length === 0) return `${branch}: no check run on ${head.slice(0, 7)}`;
  if (checks.some((c) => c.status !== "completed"))
    return `${branch}: the check run on ${head.slice(0, 7)} is ${checks.map((c) => c.status).join(", ")}`;
  return null;
}

function problems(s: Scene, gone: readonly string[]): string[] {
  const found: string[] = [];
  for (const { name, sha: head } of s.repo.listRefs("heads")) {
    const problem = branchProblem(s, name, head);
    if (problem) found.push(problem);
  }
  for (const branch of gone) {
    const stack = liveStacks(s.aws).find((st) => st.stackName === stackNameOf(branch));
    if (stack) found.push(`${branch} was deleted but its stack is ${stack.status}`);
  }
  return found;
}

/** Waits until nothing has been asked of the fake GitHub for `quietMs` (bounded by `maxMs`). */
async function quiet(model: GitHubModel, quietMs: number, maxMs: number): Promise<void> {
  const deadline = Date.now() + maxMs;
  let seen = model.requests.length;
  let since = Date.now();
  while (Date.now() < deadline) {
    await sleep(100);
    if (model.requests.length !== seen) {
      seen = model.requests.length;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) {
      return;
    }
  }
}

/** Duplicates in a list of keys, with their counts. */
function duplicates(keys: readonly string[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return Object.fromEntries([...counts].filter(([, count]) => count > 1));
}

describe("the built server, killed with SIGKILL at random points of its work and restarted", () => {
  it("loses nothing and repeats nothing across kills after acknowledgement, mid stack create and mid run, with redeliveries", async () => {
    const random = prng(SEED);
    const s = await scene();
    const credentials: AppCredentials = {
      appId: APP_ID,
      privateKey: testPrivateKey(),
      webhookSecret: `webhook-secret-${randomUUID()}`,
    };

    // Before: staging, a branch that will be pushed again with a changed template, a branch that will be deleted.
    const M0 = sha("main-0");
    const E0 = sha("edit-0");
    const G0 = sha("gone-0");
    commitTo(s.repo, "main", M0);
    commitTo(s.repo, "feature/edit", E0);
    commitTo(s.repo, "feature/gone", G0);
    await environmentsBefore(s, [
      { branch: "main", commit: M0 },
      { branch: "feature/edit", commit: E0 },
      { branch: "feature/gone", commit: G0 },
    ]);
    const requestsBefore = s.model.requests.length;

    const server = await startServer(s, credentials);
    const log: string[] = [`seed ${SEED}`];
    const sent: Sent[] = [];
    const deliver = async (items: readonly Sent[]) => {
      for (const item of items) {
        const delivery = await deliverWebhook(
          server.webhookUrl,
          credentials.webhookSecret,
          item.name,
          item.payload,
          item.id,
        );
        expect(delivery.status, `${item.label}: ${delivery.body}`).toBe(200);
      }
    };
    const make = (label: string, name: string, payload: unknown): Sent => {
      const item = { id: randomUUID(), name, payload, label };
      sent.push(item);
      return item;
    };
    const context = () => `${log.join("\n")}\n${server.process.text().split("\n").slice(-150).join("\n")}`;
    if (process.env.BRANCHLINE_RESTART_DUMP)
      onTestFinished(() =>
        writeFileSync(process.env.BRANCHLINE_RESTART_DUMP!, `${log.join("\n")}\n${server.process.text()}\n`),
      );

    // 1. Two refs move; killed right after GitHub got its acknowledgements. One delivery is never
    //    redelivered (GitHub does not retry an acknowledged delivery): only the reconciler finds it.
    const C1 = sha("c-1");
    const E1 = sha("edit-1");
    commitTo(s.repo, "feature/c", C1);
    commitTo(s.repo, "feature/edit", E1, CHANGED_TEMPLATE);
    const step1 = shuffle(
      [
        make("create feature/c", "create", createRef("branch", "feature/c")),
        make("push feature/c (new)", "push", pushToBranch("feature/c", C1, { created: true })),
        make("push feature/edit (changed template)", "push", pushToBranch("feature/edit", E1)),
      ],
      random,
    );
    await deliver(step1);
    await sleep(between(random, 0, 200));
    await server.restart("SIGKILL");
    const lostForGood = step1.filter(
      (item) => item.label.startsWith("push feature/edit") || (item.label.includes("feature/c") && random() < 0.5),
    );
    const redelivered1 = shuffle(
      step1.filter((item) => !lostForGood.includes(item)),
      random,
    );
    log.push(
      `kill 1: right after acknowledging ${step1.map((i) => i.label).join(", ")}; never redelivered: ${lostForGood.map((i) => i.label).join(", ")}`,
    );
    await deliver(redelivered1);

    // 2. A new branch and a default-branch push; killed while the new branch's stack is being created.
    const D1 = sha("d-1");
    const M1 = sha("main-1");
    commitTo(s.repo, "feature/d", D1);
    commitTo(s.repo, "main", M1);
    const step2 = shuffle(
      [
        make("push feature/d (new)", "push", pushToBranch("feature/d", D1, { created: true })),
        make("create feature/d", "create", createRef("branch", "feature/d")),
        make("push main", "push", pushToBranch("main", M1)),
      ],
      random,
    );
    await deliver(step2);
    await eventually(
      () =>
        liveStacks(s.aws).find((st) => st.stackName === stackNameOf("feature/d"))?.status === "CREATE_IN_PROGRESS"
          ? true
          : undefined,
      30_000,
      "feature/d's stack to be CREATE_IN_PROGRESS",
      context,
    );
    const delay2 = between(random, 0, 400);
    await sleep(delay2);
    log.push(
      `kill 2: ${delay2} ms into feature/d's CREATE_IN_PROGRESS (stack now ${liveStacks(s.aws).find((st) => st.stackName === stackNameOf("feature/d"))?.status})`,
    );
    await server.restart("SIGKILL");
    await deliver(shuffle(step2, random));

    // 3. A branch is deleted; killed while one of the new heads' runs is in progress.
    s.repo.deleteRef("feature/gone");
    const step3 = shuffle(
      [
        make("delete feature/gone", "delete", deleteRef("branch", "feature/gone")),
        make("push deleting feature/gone", "push", pushDeletingBranch("feature/gone")),
      ],
      random,
    );
    await deliver(step3);
    const heads: Record<string, string> = { "feature/c": C1, "feature/edit": E1, "feature/d": D1, main: M1 };
    const target = shuffle(Object.keys(heads), random);
    const running = await eventually(
      () => {
        for (const branch of target) {
          const run = pinnedRuns(s.aws, branch).find(
            (e) => e.revisions[0] === heads[branch] && e.status === "InProgress",
          );
          if (run) return { branch, run };
        }
        return undefined;
      },
      45_000,
      "a run of a new head to be in progress",
      context,
    );
    const delay3 = between(random, 0, 500);
    await sleep(delay3);
    log.push(
      `kill 3: ${delay3} ms after ${running.branch}'s run ${running.run.pipelineExecutionId} was seen in progress`,
    );
    await server.restart("SIGKILL");
    await deliver(shuffle(step3, random));

    // Converged: every branch git has is deployed at its head and reported; the deleted one is gone.
    await eventually(
      () => (problems(s, ["feature/gone"]).length === 0 ? true : undefined),
      60_000,
      "every environment to converge",
      () => `${problems(s, ["feature/gone"]).join("\n")}\n${context()}`,
    );

    // GitHub redelivers everything once more (same X-GitHub-Delivery): nothing may happen twice.
    // (Reporting still queued behind Probot's write throttling settles first.)
    await quiet(s.model, 2_500, 30_000);
    const runsBefore = Object.fromEntries(Object.keys(heads).map((b) => [b, pinnedRuns(s.aws, b).length]));
    const checksBefore = s.model.checkRuns.length;
    await deliver(shuffle(sent, random));
    await quiet(s.model, 2_500, 20_000);
    expect(Object.fromEntries(Object.keys(heads).map((b) => [b, pinnedRuns(s.aws, b).length]))).toEqual(runsBefore);
    expect(
      s.model.checkRuns
        .slice(checksBefore)
        .map((c) => `${c.head_sha.slice(0, 7)} ${c.name}: ${c.status}/${c.conclusion ?? "-"} ${c.output.title}`),
      "check runs made after the redelivery",
    ).toEqual([]);
    expect(problems(s, ["feature/gone"])).toEqual([]);

    // Nothing duplicated: one stack per environment, one check run per commit and name, no commit run twice.
    const stacks = liveStacks(s.aws);
    expect(stacks.map((st) => st.stackName).sort()).toEqual(Object.keys(heads).map(stackNameOf).sort());
    expect(duplicates(stacks.map((st) => `${st.tags["branchline:environment"]} ${st.tags["branchline:ref"]}`))).toEqual(
      {},
    );
    expect(duplicates(s.model.checkRuns.map((c) => `${c.head_sha.slice(0, 7)} ${c.name}`))).toEqual({});
    for (const branch of Object.keys(heads)) {
      expect(
        duplicates(pinnedRuns(s.aws, branch).map((e) => e.revisions[0] ?? "?")),
        `commits run twice on ${branch}`,
      ).toEqual({});
    }
    // Check runs and deployments only on commits git has (GitHub answers any other with a 422).
    const known = new Set([M0, E0, G0, C1, E1, D1, M1]);
    expect(
      s.model.checkRuns.filter((c) => !known.has(c.head_sha)).map((c) => `${c.head_sha} ${c.name}: ${c.output.title}`),
      "check runs on commits git does not have",
    ).toEqual([]);
    expect(
      s.model.deployments.filter((d) => !known.has(d.sha)).map((d) => `${d.sha} ${d.environment}`),
      "deployments of commits git does not have",
    ).toEqual([]);
    expect(duplicates(s.model.deployments.map((d) => `${d.sha.slice(0, 7)} ${d.environment}`))).toEqual({});
    for (const [branch, head] of Object.entries(heads)) {
      const [check, ...others] = s.model.checkRunsFor(head, FULL_NAME);
      expect(others, `check runs on ${branch}'s head`).toEqual([]);
      expect(check?.conclusion, `${branch}: ${check?.output.summary ?? ""}`).toBe("success");
    }
    // The changed template reached feature/edit's stack (an update, not a re-creation).
    expect(stacks.find((st) => st.stackName === stackNameOf("feature/edit"))?.status).toBe("UPDATE_COMPLETE");

    const serverRequests = s.model.requests.slice(requestsBefore);
    const writes = serverRequests.filter((r) => r.method !== "GET").length;
    console.log(
      `[restart-safety] ${log.join("; ")}; ${serverRequests.length} GitHub requests (${writes} writes) from the server`,
    );
    s.model.assertClean();
  }, 150_000);
});
