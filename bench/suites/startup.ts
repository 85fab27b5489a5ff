import { fileURLToPath } from "node:url";
import { ManagedProcess } from "../../test/support/processes.js";
import { round, row, runSuite, sleep, summary, waitUntil, type Row } from "../lib/common.js";
import {
  excludedPushes,
  generateLoad,
  memoryProbeEnv,
  processedDeliveries,
  sampleMemory,
  sign,
  startScene,
  startServer,
  type MemorySample,
  type ServerKind,
} from "../lib/scene.js";

/**
 * 5. Start-up and memory.
 *  - Server start-up: spawn the server until GET /ping answers PONG (startAppServer's readiness),
 *    branchline (`dist/src/main.js`) next to the bare Probot app, alternated, 3 times each.
 *  - Lambda-style load: a fresh process imports Probot (and branchline) and runs
 *    `new Probot(...).load(app)`, as a Lambda handler's cold start would (bench/lambda-load.ts).
 *  - Memory: RSS and heap after a full GC (bench/memory-probe.ts, preloaded), at idle after start-up
 *    and after 10,000 deliveries (2,000 with --quick): pushes to excluded branches, each read,
 *    routed and ignored by branchline (at 100/s, which it keeps up with); the bare app gets the same
 *    deliveries at 300/s.
 */

const LAMBDA_LOAD = fileURLToPath(new URL("../lambda-load.js", import.meta.url));
const BUILD_IF_STALE = fileURLToPath(new URL("../../../scripts/build-if-stale.mjs", import.meta.url));

/** What `npm start` adds before the server when the sources are unchanged: the staleness check. */
async function buildCheckMs(): Promise<number> {
  const t0 = performance.now();
  const child = new ManagedProcess("build-check", BUILD_IF_STALE, [], {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
  }).start();
  const exit = await child.waitForExit(120_000);
  if (exit.code !== 0 || !child.lines().some((l) => l.includes("up to date")))
    throw new Error(`the build check did not find dist/ up to date:\n${child.text()}`);
  return performance.now() - t0;
}
const MiB = 2 ** 20;

async function lambdaLoad(which: "branchline" | "bare"): Promise<Record<string, number>> {
  const child = new ManagedProcess(`lambda-${which}`, LAMBDA_LOAD, [which], {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
  }).start();
  const exit = await child.waitForExit(60_000);
  const line = child.lines("stdout").find((l) => l.startsWith("{"));
  if (exit.code !== 0 || !line) throw new Error(`lambda-load ${which} failed:\n${child.text()}`);
  return JSON.parse(line) as Record<string, number>;
}

await runSuite("startup", async ({ quick, notes }) => {
  const rows: Row[] = [];
  const repeats = 3;
  const events = quick ? 2_000 : 10_000;
  const scene = await startScene();
  const startup: Record<ServerKind, number[]> = { branchline: [], "bare-probot": [] };
  const checks: number[] = [];
  const oneProcess: number[] = [];
  const lambda: Record<string, Record<string, number>[]> = { branchline: [], bare: [] };
  const memory: Record<string, Record<string, unknown>> = {};
  try {
    for (let i = 0; i < repeats; i++) {
      for (const kind of ["branchline", "bare-probot"] as const) {
        const t0 = performance.now();
        const server = await startServer(scene, kind);
        startup[kind].push(performance.now() - t0);
        await server.kill("SIGTERM").catch(() => server.kill("SIGKILL"));
      }
      // What the front costs at start-up: the same app in one process.
      const t0 = performance.now();
      const single = await startServer(scene, "branchline", { BRANCHLINE_ENGINE_PROCESS: "0" });
      oneProcess.push(performance.now() - t0);
      await single.kill("SIGTERM").catch(() => single.kill("SIGKILL"));
      for (const which of ["branchline", "bare"] as const) lambda[which]!.push(await lambdaLoad(which));
      checks.push(await buildCheckMs());
    }

    for (const kind of ["branchline", "bare-probot"] as const) {
      const server = await startServer(scene, kind, memoryProbeEnv());
      try {
        await sleep(2_000);
        const idle = await sampleMemory(server);
        const deliveries = sign(excludedPushes(scene.repo, events, `mem-${kind}`), scene.credentials.webhookSecret);
        // branchline works every delivery (about 100 a second on this machine, see
        // the latency suite's drain times), so it gets a rate it can keep up with; the bare app does no work.
        const rate = kind === "branchline" ? 100 : 300;
        const report = await generateLoad(server, rate, deliveries, 240_000);
        const acked = report.outcomes.filter((o) => o.status >= 200 && o.status < 300).map((o) => o.id);
        let processed: number | null = null;
        if (kind === "branchline") {
          await waitUntil(() => processedDeliveries(server).size >= acked.length, 60_000, 250);
          const seen = processedDeliveries(server);
          processed = acked.filter((id) => seen.has(id)).length;
        }
        await sleep(2_000);
        const after = await sampleMemory(server);
        memory[kind] = {
          idle,
          after,
          events,
          rate,
          acked: acked.length,
          processed,
          latency: summary(report.outcomes.map((o) => o.ms)),
        };
      } finally {
        await server.kill("SIGTERM").catch(() => server.kill("SIGKILL"));
      }
    }
  } finally {
    await scene.close();
  }

  const b = summary(startup.branchline);
  const p = summary(startup["bare-probot"]);
  rows.push(
    row({
      suite: "startup",
      case: "server: spawn to /ping",
      metric: `p50 of ${repeats}`,
      value: b.p50,
      unit: "ms",
      reference: p.p50,
    }),
  );
  rows.push(
    row({
      suite: "startup",
      case: "server: spawn to /ping",
      metric: `max of ${repeats}`,
      value: b.max,
      unit: "ms",
      reference: p.max,
    }),
  );
  const single = summary(oneProcess);
  rows.push(
    row({
      suite: "startup",
      case: "server, one process (BRANCHLINE_ENGINE_PROCESS=0): spawn to /ping",
      metric: `p50 of ${repeats}`,
      value: single.p50,
      unit: "ms",
      reference: p.p50,
    }),
  );
  // `npm start` = the build check (dist/ up to date: no build) + the server; the ratio is to bare Probot.
  const check = summary(checks);
  rows.push(
    row({
      suite: "startup",
      case: "npm start: build check (sources unchanged)",
      metric: `p50 of ${repeats}`,
      value: round(check.p50, 0),
      unit: "ms",
    }),
  );
  const npmStart = round(check.p50 + b.p50, 0);
  rows.push({
    ...row({
      suite: "startup",
      case: "npm start: build check + spawn to /ping",
      metric: `p50 of ${repeats}`,
      value: npmStart,
      unit: "ms",
      reference: p.p50,
    }),
    target: "≤ 2× bare Probot",
    met: npmStart <= 2 * p.p50,
  });
  for (const metric of [
    "importProbotMs",
    "importAppMs",
    "loadMs",
    "totalMs",
    "sinceProcessStartMs",
    "rssMiB",
  ] as const) {
    const bl = summary(lambda.branchline!.map((r) => r[metric]!));
    const bare = summary(lambda.bare!.map((r) => r[metric]!));
    rows.push(
      row({
        suite: "startup",
        case: "lambda-style import + load",
        metric: `${metric} (p50)`,
        value: bl.p50,
        reference: bare.p50,
      }),
    );
  }
  for (const kind of ["branchline"] as const) {
    const m = memory[kind]!;
    const ref = memory["bare-probot"];
    const mb = (x: unknown, key: "rss" | "heapUsed") => round(((x as Record<string, number>)[key] ?? 0) / MiB, 1);
    // The default layout is a front and an engine process: both are summed (sampleMemory).
    const summed = `${String((m.idle as MemorySample).processes)} processes summed`;
    rows.push(
      row({
        suite: "memory",
        case: `idle after start-up (${summed})`,
        metric: "RSS",
        value: mb(m.idle, "rss"),
        unit: "MiB",
        reference: ref ? mb(ref.idle, "rss") : undefined,
      }),
    );
    rows.push(
      row({
        suite: "memory",
        case: `idle after start-up (${summed})`,
        metric: "heap used",
        value: mb(m.idle, "heapUsed"),
        unit: "MiB",
        reference: ref ? mb(ref.idle, "heapUsed") : undefined,
      }),
    );
    rows.push(
      row({
        suite: "memory",
        case: `after ${events} events (${summed})`,
        metric: "RSS",
        value: mb(m.after, "rss"),
        unit: "MiB",
        reference: ref ? mb(ref.after, "rss") : undefined,
      }),
    );
    rows.push(
      row({
        suite: "memory",
        case: `after ${events} events (${summed})`,
        metric: "heap used",
        value: mb(m.after, "heapUsed"),
        unit: "MiB",
        reference: ref ? mb(ref.after, "heapUsed") : undefined,
      }),
    );
    rows.push(
      row({
        suite: "memory",
        case: `after ${events} events`,
        metric: "acknowledged / sent, processed",
        value: `${String(m.acked)}/${events}, ${String(m.processed)}`,
        target: "all",
        met: m.processed === m.acked && m.acked === events,
      }),
    );
  }
  notes.push(
    "Memory: sampled after a forced full GC (the probe exposes gc), 2 s after the last delivery was processed; heap growth after N events is what the process keeps.",
  );
  return { rows, details: { startupMs: startup, oneProcessMs: oneProcess, lambda, memory } };
});
