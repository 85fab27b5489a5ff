import { afterEach, describe, expect, it } from "vitest";
import { createAwsClients, type AwsClients } from "../../src/aws/clients.js";
import { startBranchline, type RunningApp } from "../support/branchline.js";
import { allStacks, emulatedAws, pinnedCommits, tagsOf, type EmulatedAws } from "../support/aws.js";
import { FakeGitHub } from "../support/fake-github.js";
import { createRef, deleteRef, pushDeletingBranch, pushTag, pushToBranch } from "../support/payloads.js";
import { TEMPLATE, TEMPLATE_PATH } from "../support/scenario.js";
import { prng } from "../support/prng.js";

/**
 * Faults (issue 6, point 6): with 30% of every AWS call throttled and 5% answered 5xx, every event of a
 * mixed scenario still converges, through the SDK's own retries (adaptive mode, 8 attempts, as
 * src/aws/clients.ts configures them). The fault coin is a seeded PRNG (BRANCHLINE_FAULTS_SEED
 * overrides it), so a run can be replayed; how many calls there are still depends on timing.
 */

const CHANGED_TEMPLATE = TEMPLATE.replace("Status: Enabled", "Status: Suspended");
// Promotion criteria are not what this test is about: the tag goes straight to production.
const CONFIG = `
parameters:
  all:
    ConnectionArn: arn:aws:codeconnections:us-east-1:123456789012:connection/0a1b2c3d
production:
  requireOnDefaultBranch: false
  requireStagingSuccess: false
`;
const SEED = Number(process.env.BRANCHLINE_FAULTS_SEED ?? 606);
const THROTTLE_RATE = 0.3;
const SERVER_ERROR_RATE = 0.05;

const commit = (digit: string, n: number) => `${digit.repeat(39)}${n}`;

let aws: EmulatedAws;
let clients: AwsClients;
let github: FakeGitHub;
let app: RunningApp;

afterEach(async () => {
  await app?.settle();
  for (const client of [clients?.cloudformation, clients?.codepipeline, clients?.s3]) client?.destroy();
  await aws?.close();
});

function pipelineOf(stack: { Outputs?: { OutputKey?: string; OutputValue?: string }[] }): string {
  return stack.Outputs?.find((o) => o.OutputKey === "PipelineName")?.OutputValue ?? "";
}

describe("AWS throttling 30% and failing 5% of calls", () => {
  it("still converges every event of a mixed scenario, through the SDK's retries", async () => {
    aws = await emulatedAws({ random: prng(SEED) });
    // The clients as production makes them (createAwsClients' defaults: adaptive retries, 8 attempts),
    // not the test helper's 3 attempts.
    clients = createAwsClients({
      region: aws.emulator.region,
      endpoint: aws.emulator.url,
      credentials: { accessKeyId: "AKIDTESTEXAMPLE", secretAccessKey: "test-secret-access-key" },
    });
    github = new FakeGitHub("octo-org", "shop").install();
    app = await startBranchline(clients);

    const A1 = commit("a", 1);
    const A2 = commit("a", 2);
    const B1 = commit("b", 1);
    const B2 = commit("b", 2);
    const C1 = commit("c", 1);
    const M1 = commit("d", 1);
    const T1 = commit("e", 1);
    github.file("main", ".github/branchline.yml", CONFIG);
    for (const sha of [A1, A2, B1, C1, M1, T1]) github.file(sha, TEMPLATE_PATH, TEMPLATE);
    github.file(B2, TEMPLATE_PATH, CHANGED_TEMPLATE);
    github.ref("feature/a", A1).ref("feature/b", B1).ref("feature/c", C1).ref("main", M1).ref("refs/tags/v1.0.0", T1);

    aws.emulator.control.resetCalls();
    aws.emulator.control.setFaults({ throttleRate: THROTTLE_RATE, serverErrorRate: SERVER_ERROR_RATE });
    const started = Date.now();

    // Creates of three branches (create + push each), the default branch, a release tag.
    const first: [string, unknown][] = [
      ["create", createRef("branch", "feature/a")],
      ["push", pushToBranch("feature/a", A1, { created: true })],
      ["create", createRef("branch", "feature/b")],
      ["push", pushToBranch("feature/b", B1, { created: true })],
      ["push", pushToBranch("feature/c", C1, { created: true })],
      ["create", createRef("branch", "feature/c")],
      ["push", pushToBranch("main", M1)],
      ["push", pushTag("v1.0.0", T1)],
    ];
    for (const [name, payload] of first) await app.deliver(name, payload);
    await app.settle();

    // A push with the template unchanged, one with it changed, a branch deleted (both events).
    github.ref("feature/a", A2).ref("feature/b", B2);
    github.repository.deleteRef("feature/c");
    const second: [string, unknown][] = [
      ["push", pushToBranch("feature/a", A2)],
      ["push", pushToBranch("feature/b", B2)],
      ["delete", deleteRef("branch", "feature/c")],
      ["push", pushDeletingBranch("feature/c")],
    ];
    for (const [name, payload] of second) await app.deliver(name, payload);
    await app.settle();
    const seconds = (Date.now() - started) / 1000;
    aws.emulator.control.clearFaults();

    // What converged, event by event (a create and the push of one new branch are one event here).
    const stacks = await allStacks(clients);
    const byRef = new Map(stacks.map((s) => [tagsOf(s)["branchline:ref"] ?? tagsOf(s)["branchline:environment"], s]));
    const stackOf = (key: string) => byRef.get(key);
    const runsOf = async (key: string): Promise<string[]> => {
      const stack = stackOf(key);
      return stack ? pinnedCommits(clients, pipelineOf(stack)) : [];
    };
    const succeeded = (sha: string, name: string) =>
      github.checkRunsFor(sha).some((c) => c.name === name && c.status === "completed" && c.conclusion === "success");
    const events: [string, boolean][] = [
      [
        "create feature/a",
        (await runsOf("refs/heads/feature/a")).includes(A1) && succeeded(A1, "branchline: branch/feature/a"),
      ],
      [
        "create feature/b",
        (await runsOf("refs/heads/feature/b")).includes(B1) && succeeded(B1, "branchline: branch/feature/b"),
      ],
      ["create feature/c", succeeded(C1, "branchline: branch/feature/c")],
      [
        "push main",
        stacks.some((s) => tagsOf(s)["branchline:environment"] === "staging") && succeeded(M1, "branchline: staging"),
      ],
      [
        "push tag v1.0.0",
        stacks.some((s) => tagsOf(s)["branchline:environment"] === "production") &&
          succeeded(T1, "branchline: production"),
      ],
      [
        "push feature/a (template unchanged)",
        JSON.stringify(await runsOf("refs/heads/feature/a")) === JSON.stringify([A1, A2]) &&
          succeeded(A2, "branchline: branch/feature/a"),
      ],
      [
        "push feature/b (template changed)",
        stackOf("refs/heads/feature/b")?.StackStatus === "UPDATE_COMPLETE" &&
          JSON.stringify(await runsOf("refs/heads/feature/b")) === JSON.stringify([B1, B2]) &&
          succeeded(B2, "branchline: branch/feature/b"),
      ],
      ["delete feature/c", !byRef.has("refs/heads/feature/c")],
    ];
    const calls = aws.emulator.control.calls();
    const retries = calls.throttled + calls.serverErrors;
    const converged = events.filter(([, ok]) => ok).length;
    const failedJobs = app.logs.filter((line) => line.includes("a job failed")).length;
    console.log(
      `[faults] seed ${SEED}: ${converged}/${events.length} events converged in ${seconds.toFixed(1)} s; ` +
        `${calls.total} AWS calls, ${retries} retried (${calls.throttled} throttled, ${calls.serverErrors} 5xx, ${((100 * retries) / Math.max(1, calls.total)).toFixed(1)}%); ${failedJobs} jobs failed`,
    );

    expect(Object.fromEntries(events.filter(([, ok]) => !ok)), "events that did not converge").toEqual({});
    expect(failedJobs).toBe(0);
    expect(stacks).toHaveLength(4); // feature/a, feature/b, staging, production
    // The faults really were there, at about the rates asked for (each call is one coin, or two).
    expect(calls.throttled).toBeGreaterThan(0);
    expect(calls.serverErrors).toBeGreaterThan(0);
    expect(calls.throttled / calls.total).toBeGreaterThan(0.15);
    expect(calls.throttled / calls.total).toBeLessThan(0.45);
    expect(calls.serverErrors / calls.total).toBeLessThan(0.12);
    // Retries are the SDK's, bounded: no storm of calls for eight events.
    expect(calls.total).toBeLessThan(5_000);
    github.assertClean();
  }, 180_000);
});
