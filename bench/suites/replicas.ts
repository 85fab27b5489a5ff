import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createRef, pushToBranch } from "../../test/support/payloads.js";
import { convergedAt, runsOf, startReplicaScene, type ReplicaScene } from "../../test/support/replicas.js";
import { configYaml, round, row, runSuite, sha, sleep, smallTemplate, TEMPLATE_PATH, type Row } from "../lib/common.js";

/**
 * 7. Replicas. A burst of branch creations (create and push each) reaches one receiver; 1, 2 and 3
 * workers (separate processes, four environments at once each) share the SQS FIFO queue (moto) and
 * AWS (the emulator: a stack operation 1.5 s, a run's actions 0.5 s each). Measured from the first
 * delivery: when every branch's run has started, and when every branch has converged (settled
 * stack, successful run of its head); throughput is branches converged per second. Ratios are to
 * one worker.
 *
 * What bounds it is measured beside it, per worker count: GitHub's write pace (Probot spaces an
 * installation's writes about 1 s apart, per process, so N workers write at most N a second: the
 * bound is writes ÷ N seconds), AWS's rates (the emulator has none here; the bound is the calls made
 * at the per-account rates the fan-out suite assumes) and the machine's CPUs (CPU seconds of every
 * process of the scene against wall time × CPUs).
 */

const TIMING = { stackOperationMs: 1_500, changeSetMs: 200, actionMs: 500 };
const SERVER = fileURLToPath(new URL("../../src/main.js", import.meta.url));
/** The fan-out suite's assumed AWS rates (AWS publishes none for these APIs): CloudFormation mutations 5/s, StartPipelineExecution 10/s. */
const CFN_MUTATIONS = new Set([
  "CreateChangeSet",
  "ExecuteChangeSet",
  "DeleteChangeSet",
  "DeleteStack",
  "UpdateTerminationProtection",
]);
const CFN_MUTATIONS_PER_S = 5;
const RUN_STARTS_PER_S = 10;
const CPUS = 2;

/** CPU seconds a process has used so far (Linux /proc; undefined elsewhere or once it has exited). */
function cpuSecondsOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th, in clock ticks (100 a second on Linux).
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** CPU seconds of every process of the scene: this one (the emulator and the fake GitHub), moto_server, the receiver and the workers. */
function sceneCpuSeconds(scene: ReplicaScene): {
  total: number;
  workers: number;
  moto: number;
  receiver: number;
  benchProcess: number;
} {
  const own = process.cpuUsage();
  const workers = scene.workers.reduce((sum, w) => sum + (cpuSecondsOf(w.pid) ?? 0), 0);
  const moto = cpuSecondsOf(scene.sqs.moto.pid) ?? 0;
  const receiver = cpuSecondsOf(scene.receiver.process.pid) ?? 0;
  const benchProcess = (own.user + own.system) / 1e6;
  return { total: workers + moto + receiver + benchProcess, workers, moto, receiver, benchProcess };
}

interface Burst {
  readonly startedS: number;
  readonly convergedS: number;
  /** Until GitHub also shows every branch's outcome: its check run and its deployment final, in success. */
  readonly reportedS: number;
  readonly throughput: number;
  /** Writes until converged, and until reported (every write the burst made by then). */
  readonly githubWrites: number;
  readonly githubWritesReported: number;
  readonly githubPaceBoundS: number;
  readonly cfnMutations: number;
  readonly runStarts: number;
  readonly awsRateBoundS: number;
  readonly cpuSeconds: number;
  readonly cpuShare: number;
  readonly cpu: ReturnType<typeof sceneCpuSeconds>;
}

/** GitHub shows the commit's outcome: its check run completed in success, and its deployment's newest status success. */
function reported(scene: ReplicaScene, commit: string): boolean {
  const checks = scene.github.model.checkRunsFor(commit);
  const deployments = scene.github.model.deployments.filter((d) => d.sha === commit);
  return (
    checks.length > 0 &&
    checks.every((c) => c.status === "completed" && c.conclusion === "success") &&
    deployments.length > 0 &&
    deployments.every((d) => d.statuses.at(-1)?.state === "success")
  );
}

async function burst(workers: number, branches: number): Promise<Burst> {
  const scene = await startReplicaScene({
    workers,
    timing: TIMING,
    visibilitySeconds: 30,
    concurrency: 4,
    files: { config: configYaml(), template: smallTemplate(), templatePath: TEMPLATE_PATH },
    server: SERVER,
  });
  try {
    const names = Array.from({ length: branches }, (_, i) => `burst/w${workers}-${i}`);
    for (const name of names) scene.commit(name, sha(name, 0));
    const cpuBefore = sceneCpuSeconds(scene);
    const writesSoFar = () => scene.github.model.requests.filter((r) => r.method !== "GET").length;
    const writesBefore = writesSoFar();
    const callsBefore = scene.calls.length;
    const started = Date.now();
    for (const name of names) {
      await scene.deliver("create", createRef("branch", name));
      await scene.deliver("push", pushToBranch(name, sha(name, 0), { created: true }));
    }
    let allStartedAt: number | undefined;
    for (;;) {
      if (allStartedAt === undefined && names.every((n) => runsOf(scene.aws, n).length > 0)) allStartedAt = Date.now();
      if (names.every((n) => convergedAt(scene.aws, n, sha(n, 0)) === null)) break;
      if (Date.now() - started > 400_000)
        throw new Error(
          `not converged after 400 s: ${names
            .map((n) => convergedAt(scene.aws, n, sha(n, 0)))
            .filter(Boolean)
            .slice(0, 5)
            .join("; ")}`,
        );
      await sleep(200);
    }
    const convergedS = (Date.now() - started) / 1000;
    const writesAtConverged = writesSoFar() - writesBefore;
    const cpuAfter = sceneCpuSeconds(scene);
    while (!names.every((n) => reported(scene, sha(n, 0)))) {
      if (Date.now() - started > 400_000)
        throw new Error(
          `not reported on GitHub after 400 s: ${names.filter((n) => !reported(scene, sha(n, 0))).join(", ")}`,
        );
      await sleep(200);
    }
    const reportedS = (Date.now() - started) / 1000;
    const cpu = {
      total: round(cpuAfter.total - cpuBefore.total),
      workers: round(cpuAfter.workers - cpuBefore.workers),
      moto: round(cpuAfter.moto - cpuBefore.moto),
      receiver: round(cpuAfter.receiver - cpuBefore.receiver),
      benchProcess: round(cpuAfter.benchProcess - cpuBefore.benchProcess),
    };
    const githubWritesReported = writesSoFar() - writesBefore;
    const calls = scene.calls.slice(callsBefore);
    const cfnMutations = calls.filter((c) => c.service === "cloudformation" && CFN_MUTATIONS.has(c.operation)).length;
    const runStarts = calls.filter((c) => c.operation === "StartPipelineExecution").length;
    return {
      startedS: round(((allStartedAt ?? Date.now()) - started) / 1000),
      convergedS: round(convergedS),
      reportedS: round(reportedS),
      throughput: round(branches / convergedS, 3),
      githubWrites: writesAtConverged,
      githubWritesReported,
      githubPaceBoundS: round(writesAtConverged / workers),
      cfnMutations,
      runStarts,
      awsRateBoundS: round(Math.max(cfnMutations / CFN_MUTATIONS_PER_S, runStarts / RUN_STARTS_PER_S)),
      cpuSeconds: cpu.total,
      cpuShare: round(cpu.total / (convergedS * CPUS), 3),
      cpu,
    };
  } finally {
    await scene.close();
  }
}

await runSuite("replicas", async ({ quick, notes }) => {
  const branches = quick ? 6 : 12;
  const results = new Map<number, Burst>();
  for (const workers of [1, 2, 3]) results.set(workers, await burst(workers, branches));
  const one = results.get(1)!;
  const rows: Row[] = [];
  for (const [workers, r] of results) {
    const label = `${branches} new branches, ${workers} worker${workers > 1 ? "s" : ""}`;
    rows.push(
      row({
        suite: "replicas",
        case: label,
        metric: "every run started",
        value: r.startedS,
        unit: "s",
        reference: one.startedS,
      }),
    );
    rows.push(
      row({
        suite: "replicas",
        case: label,
        metric: "time to converge",
        value: r.convergedS,
        unit: "s",
        reference: one.convergedS,
      }),
    );
    rows.push(
      row({
        suite: "replicas",
        case: label,
        metric: "until GitHub shows every outcome",
        value: r.reportedS,
        unit: "s",
        reference: one.reportedS,
      }),
    );
    rows.push(
      row({
        suite: "replicas",
        case: label,
        metric: "GitHub writes until then",
        value: r.githubWritesReported,
        reference: one.githubWritesReported,
      }),
    );
    rows.push(
      row({
        suite: "replicas",
        case: label,
        metric: "throughput",
        value: r.throughput,
        unit: "branches/s",
        reference: one.throughput,
      }),
    );
    rows.push(
      row({
        suite: "replicas",
        case: label,
        metric: "bound: GitHub writes at 1/s per worker",
        value: r.githubPaceBoundS,
        unit: "s",
        reference: r.convergedS,
      }),
    );
    rows.push(
      row({
        suite: "replicas",
        case: label,
        metric: "bound: AWS calls at the fan-out's rates",
        value: r.awsRateBoundS,
        unit: "s",
        reference: r.convergedS,
      }),
    );
    rows.push(
      row({
        suite: "replicas",
        case: label,
        metric: `CPU used, share of ${CPUS} CPUs`,
        value: r.cpuShare,
        reference: 1,
      }),
    );
  }
  notes.push(
    `replicas: ${branches} branch creations per burst. Bounds, per worker count: GitHub's write pace (Probot: one write a second per installation per process; all branches here are in one installation), AWS (the emulator has no rate limits here; the bound is the calls made at 5 CloudFormation mutations and 10 StartPipelineExecution a second) and CPU (seconds used by every process of the scene ÷ wall time × ${CPUS}).`,
  );
  return { rows, details: Object.fromEntries(results) };
});
