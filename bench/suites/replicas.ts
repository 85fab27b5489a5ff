import { fileURLToPath } from "node:url";
import { createRef, pushToBranch } from "../../test/support/payloads.js";
import { convergedAt, runsOf, startReplicaScene } from "../../test/support/replicas.js";
import { configYaml, round, row, runSuite, sha, sleep, smallTemplate, TEMPLATE_PATH, type Row } from "../lib/common.js";

/**
 * 6. Replicas. A burst of branch creations (create and push each) reaches one receiver; 1, 2 and 3
 * workers (separate processes, four environments at once each) share the SQS FIFO queue (moto) and
 * AWS (the emulator: a stack operation 1.5 s, a run's actions 0.5 s each). Measured from the first
 * delivery: when every branch's run has started, and when every branch has converged (settled
 * stack, successful run of its head); throughput is branches converged per second. Ratios are to
 * one worker. What bounds it is printed beside it: the emulator has no API rate limits, so the
 * ceiling here is the workers' concurrency against stack-operation time, and each worker's GitHub
 * writes, paced about one a second per installation by Probot.
 */

const TIMING = { stackOperationMs: 1_500, changeSetMs: 200, actionMs: 500 };
const SERVER = fileURLToPath(new URL("../../src/main.js", import.meta.url));

async function burst(workers: number, branches: number): Promise<{ startedS: number; convergedS: number; throughput: number; writes: number }> {
  const scene = await startReplicaScene({ workers, timing: TIMING, visibilitySeconds: 30, concurrency: 4, files: { config: configYaml(), template: smallTemplate(), templatePath: TEMPLATE_PATH }, server: SERVER });
  try {
    const names = Array.from({ length: branches }, (_, i) => `burst/w${workers}-${i}`);
    for (const name of names) scene.commit(name, sha(name, 0));
    const started = Date.now();
    for (const name of names) {
      await scene.deliver("create", createRef("branch", name));
      await scene.deliver("push", pushToBranch(name, sha(name, 0), { created: true }));
    }
    let allStartedAt: number | undefined;
    for (;;) {
      if (allStartedAt === undefined && names.every((n) => runsOf(scene.aws, n).length > 0)) allStartedAt = Date.now();
      if (names.every((n) => convergedAt(scene.aws, n, sha(n, 0)) === null)) break;
      if (Date.now() - started > 400_000) throw new Error(`not converged after 400 s: ${names.map((n) => convergedAt(scene.aws, n, sha(n, 0))).filter(Boolean).slice(0, 5).join("; ")}`);
      await sleep(200);
    }
    const convergedS = (Date.now() - started) / 1000;
    const writes = scene.github.model.requests.filter((r) => r.method !== "GET").length;
    return { startedS: round(((allStartedAt ?? Date.now()) - started) / 1000), convergedS: round(convergedS), throughput: round(branches / convergedS, 3), writes };
  } finally {
    await scene.close();
  }
}

await runSuite("replicas", async ({ quick, notes }) => {
  const branches = quick ? 8 : 24;
  const results = new Map<number, Awaited<ReturnType<typeof burst>>>();
  for (const workers of [1, 2, 3]) results.set(workers, await burst(workers, branches));
  const one = results.get(1)!;
  const rows: Row[] = [];
  for (const [workers, r] of results) {
    const label = `${branches} new branches, ${workers} worker${workers > 1 ? "s" : ""}`;
    rows.push(row({ suite: "replicas", case: label, metric: "every run started", value: r.startedS, unit: "s", reference: one.startedS }));
    rows.push(row({ suite: "replicas", case: label, metric: "every environment converged", value: r.convergedS, unit: "s", reference: one.convergedS }));
    rows.push(row({ suite: "replicas", case: label, metric: "throughput", value: r.throughput, unit: "branches/s", reference: one.throughput }));
    rows.push(row({ suite: "replicas", case: label, metric: "GitHub writes", value: r.writes, reference: one.writes }));
  }
  notes.push(
    "replicas: the emulator has no AWS rate limits; the bound here is per-worker concurrency (4) against stack-operation time, and each worker's GitHub writes (Probot: about one a second per installation per process). On AWS, CloudFormation's and CodePipeline's per-account API rates and GitHub's secondary limits bound the total however many workers run.",
  );
  return { rows, details: Object.fromEntries(results) };
});
