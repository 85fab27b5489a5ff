import type { AppServer } from "../../test/support/processes.js";
import { round, row, runSuite, sleep, summary, waitUntil, type Row } from "../lib/common.js";
import {
  excludedPushes,
  generateLoad,
  processedDeliveries,
  sign,
  startScene,
  startServer,
  type Scene,
  type ServerKind,
} from "../lib/scene.js";

/**
 * 1. Acknowledgement latency. The built server as a child process; signed pushes from a separate
 * load-generator process over keep-alive HTTP; bursts at rising rates. Each push goes to its own
 * branch under `bench/`, which the repository's config excludes, so every delivery is a job of its
 * own that reads the config from GitHub, is routed, and ends in one `ignored` log line carrying its
 * delivery id.
 *
 * Lost: acknowledged (2xx) by the server, yet no `ignored` line with its delivery id within 30 s
 * of the burst's end (the work a job does is the read of the config and the routing decision).
 * The reference, a bare Probot app, does no work, so nothing can be lost there.
 */

interface Case {
  readonly name: string;
  readonly count: number;
  readonly rate: number;
  /**
   * Bursts per server, alternating between the two, pooled into one distribution. A p99 of one
   * 100-delivery burst is its second-slowest answer, which one scheduling hiccup of the shared
   * machine decides (bare Probot's own swung from 10 to 93 ms between runs): the cases the issue's
   * 1.2× target is read from are repeated so that their p99 is a property of the servers.
   */
  readonly rounds: number;
}

function cases(quick: boolean): Case[] {
  const target = quick ? 3 : 5;
  const list: Case[] = [{ name: "burst 1 (×20, isolated)", count: 20, rate: 5, rounds: 1 }];
  for (const rate of [50, 100, 200, 400, 500])
    list.push({ name: `burst 100 @ ${rate}/s`, count: 100, rate, rounds: rate === 500 ? target : 1 });
  // 1000 at 50/s would take 20 s per server and says nothing 100 at 50/s does not.
  for (const rate of quick ? [200, 500] : [100, 200, 400, 500])
    list.push({ name: `burst 1000 @ ${rate}/s`, count: 1000, rate, rounds: rate === 500 ? target : 1 });
  return list;
}

interface Measured {
  readonly case: string;
  readonly count: number;
  readonly rate: number;
  readonly rounds: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
  readonly errors: number;
  readonly statuses: Record<string, number>;
  readonly lost: number | null;
  readonly processed: number | null;
  /** Seconds from the burst's first send until the last delivery was processed. */
  readonly drainSeconds: number | null;
  readonly generatorLagP99: number;
  readonly sendSeconds: number;
}

/** One burst at one server: every answer's latency, and for branchline whether each delivery was worked. */
interface Round {
  readonly ms: readonly number[];
  readonly lagMs: readonly number[];
  readonly acked: number;
  readonly sent: number;
  readonly statuses: Readonly<Record<string, number>>;
  readonly processed: number | null;
  readonly drainSeconds: number | null;
  readonly sendSeconds: number;
}

async function burstOnce(
  scene: Scene,
  server: AppServer,
  kind: ServerKind,
  secret: string,
  c: Case,
  tag: string,
): Promise<Round> {
  const deliveries = sign(excludedPushes(scene.repo, c.count, `${kind}-${tag}`), secret);
  const started = Date.now();
  const report = await generateLoad(server, c.rate, deliveries);
  const outcomes = report.outcomes;
  const acked = outcomes.filter((o) => o.status >= 200 && o.status < 300).map((o) => o.id);
  const statuses: Record<string, number> = {};
  for (const o of outcomes) statuses[String(o.status)] = (statuses[String(o.status)] ?? 0) + 1;
  let processed: number | null = null;
  let drainSeconds: number | null = null;
  if (kind === "branchline") {
    const count = () => {
      const seen = processedDeliveries(server);
      return acked.filter((id) => seen.has(id)).length;
    };
    await waitUntil(() => count() >= acked.length, 30_000, 100);
    drainSeconds = round((Date.now() - started) / 1000);
    processed = count();
  } else {
    await sleep(500);
  }
  return {
    ms: outcomes.map((o) => o.ms),
    lagMs: outcomes.map((o) => o.lagMs),
    acked: acked.length,
    sent: outcomes.length,
    statuses,
    processed,
    drainSeconds,
    sendSeconds: round(report.durationMs / 1000),
  };
}

/** A case's rounds at one server, as one distribution. */
function pooled(c: Case, rounds: readonly Round[]): Measured {
  const latency = summary(rounds.flatMap((r) => r.ms));
  const statuses: Record<string, number> = {};
  for (const r of rounds)
    for (const [status, n] of Object.entries(r.statuses)) statuses[status] = (statuses[status] ?? 0) + n;
  const worked = rounds.every((r) => r.processed !== null);
  const sum = (pick: (r: Round) => number) => rounds.reduce((total, r) => total + pick(r), 0);
  return {
    case: c.name,
    count: c.count,
    rate: c.rate,
    rounds: rounds.length,
    p50: latency.p50,
    p99: latency.p99,
    max: latency.max,
    mean: latency.mean,
    errors: sum((r) => r.sent - r.acked),
    statuses,
    lost: worked ? sum((r) => r.acked - (r.processed ?? 0)) : null,
    processed: worked ? sum((r) => r.processed ?? 0) : null,
    drainSeconds: worked ? Math.max(...rounds.map((r) => r.drainSeconds ?? 0)) : null,
    generatorLagP99: summary(rounds.flatMap((r) => r.lagMs)).p99,
    sendSeconds: Math.max(...rounds.map((r) => r.sendSeconds)),
  };
}

const KINDS = ["branchline", "bare-probot"] as const;

/** The bench's own setting of the engine's layout, if any, passed on to the server it measures. */
function engineLayout(): Record<string, string> {
  const layout: Record<string, string> = {};
  for (const name of ["BRANCHLINE_ENGINE_PROCESS", "BRANCHLINE_ENGINE_NICE"]) {
    const value = process.env[name];
    if (value !== undefined) layout[name] = value;
  }
  return layout;
}

await runSuite("latency", async ({ quick, notes }) => {
  const scene = await startScene();
  const results: Record<ServerKind, Measured[]> = { branchline: [], "bare-probot": [] };
  const servers: AppServer[] = [];
  try {
    const started = {
      branchline: await startServer(scene, "branchline", engineLayout()),
      "bare-probot": await startServer(scene, "bare-probot"),
    };
    servers.push(started.branchline, started["bare-probot"]);
    for (const kind of KINDS) {
      // Warm-up: the first delivery pays for the installation token and JIT; it is not measured.
      await generateLoad(
        started[kind],
        20,
        sign(excludedPushes(scene.repo, 20, `${kind}-warmup`), scene.credentials.webhookSecret),
      );
      await sleep(500);
    }
    // Case by case, one server then the other, so that a change in the machine's load (other work on
    // a shared machine) falls on both sides of a ratio rather than on one server's whole series.
    let index = 0;
    for (const c of cases(quick)) {
      const rounds: Record<ServerKind, Round[]> = { branchline: [], "bare-probot": [] };
      for (let r = 0; r < c.rounds; r++)
        for (const kind of KINDS)
          rounds[kind].push(
            await burstOnce(scene, started[kind], kind, scene.credentials.webhookSecret, c, `${index}-${r}`),
          );
      for (const kind of KINDS) results[kind].push(pooled(c, rounds[kind]));
      index++;
    }
  } finally {
    await Promise.all(servers.map((server) => server.kill("SIGTERM").catch(() => server.kill("SIGKILL"))));
    await scene.close();
  }
  notes.push(
    "Latency: from the generator's send to the full response, measured in the generator process (open loop: deliveries go out at their due time whether or not earlier ones were answered).",
    "Lost: acknowledged 2xx but no `ignored` log line with its delivery id within 30 s (each push targets its own excluded branch, so no two deliveries coalesce).",
  );
  const rows: Row[] = [];
  for (const b of results.branchline) {
    const name = b.rounds > 1 ? `${b.case}, ${b.rounds} rounds pooled` : b.case;
    const ref = results["bare-probot"].find((r) => r.case === b.case);
    const at200 = b.rate === 200 && b.count >= 100;
    // The engine shares the webhook route's event loop: the target is 1.2× bare at 500/s.
    const at500 = b.rate === 500 && b.count >= 100 && ref !== undefined;
    rows.push(row({ suite: "latency", case: name, metric: "p50", value: b.p50, unit: "ms", reference: ref?.p50 }));
    rows.push(
      row({
        suite: "latency",
        case: name,
        metric: "p99",
        value: b.p99,
        unit: "ms",
        reference: ref?.p99,
        ...(at200 ? { target: "< 50 ms", met: b.p99 < 50 } : {}),
      }),
    );
    if (at500)
      rows.push(
        row({
          suite: "latency",
          case: name,
          metric: "p99 ratio to bare Probot",
          value: Math.round((b.p99 / ref.p99) * 100) / 100,
          unit: "×",
          target: "≤ 1.2×",
          met: b.p99 <= ref.p99 * 1.2,
        }),
      );
    rows.push(row({ suite: "latency", case: name, metric: "max", value: b.max, unit: "ms", reference: ref?.max }));
    rows.push(
      row({
        suite: "latency",
        case: name,
        metric: "errors",
        value: b.errors,
        reference: ref?.errors,
        target: "0",
        met: b.errors === 0,
      }),
    );
    rows.push(
      row({ suite: "latency", case: name, metric: "lost", value: b.lost ?? "n/a", target: "0", met: b.lost === 0 }),
    );
  }
  return { rows, details: results };
});
