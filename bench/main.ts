import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { argsOf, BENCH_ROOT, machine, RESULT_PREFIX, type Row, type SuiteResult } from "./lib/common.js";

/**
 * `npm run bench [-- --only=latency,economy] [-- --quick]`: runs each suite in a process of its own
 * (so timers, sockets and memory of one never colour the next), each within a time limit, prints
 * one table, and writes everything to bench/results/latest.json. Benchmarks measure; they never
 * fail the build (a missed target is a row, not an exit code). The exit code is 1 only when a suite
 * could not run at all.
 */

const SUITES = ["latency", "economy", "coalescing", "fanout", "startup", "replicas", "webview"] as const;
type SuiteName = (typeof SUITES)[number];

/** Seconds each suite may take before it is stopped (full mode; quick mode gets the same ceilings). */
const LIMITS: Record<SuiteName, number> = {
  latency: 360,
  economy: 90,
  coalescing: 120,
  fanout: 1200,
  startup: 300,
  replicas: 900,
  webview: 240,
};

function runOne(name: SuiteName, quick: boolean): Promise<SuiteResult | { suite: string; error: string }> {
  const script = fileURLToPath(new URL(`./suites/${name}.js`, import.meta.url));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...(quick ? ["--quick"] : [])], {
      cwd: BENCH_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
      if (stderr.length > 200_000) stderr = stderr.slice(-100_000);
    });
    const timer = setTimeout(() => {
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), 10_000).unref();
    }, LIMITS[name] * 1000);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split("\n").find((l) => l.startsWith(RESULT_PREFIX));
      if (line) resolve(JSON.parse(line.slice(RESULT_PREFIX.length)) as SuiteResult);
      else
        resolve({
          suite: name,
          error: `exited ${signal ?? code} without a result${signal === "SIGTERM" ? ` (over its ${LIMITS[name]} s limit)` : ""}\n${stderr.slice(-4000)}`,
        });
    });
  });
}

function cell(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : value.toFixed(2);
  return String(value);
}

export function table(rows: readonly Row[]): string {
  const header = ["suite", "case", "metric", "value", "reference", "ratio", "target", "met"];
  const lines = rows.map((r) => [
    r.suite,
    r.case,
    r.metric,
    `${cell(r.value)}${r.unit && typeof r.value === "number" ? ` ${r.unit}` : ""}`,
    cell(r.reference),
    r.ratio === undefined ? "" : `${r.ratio.toFixed(2)}×`,
    r.target ?? "",
    r.met === undefined ? "" : r.met ? "yes" : "NO",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const format = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return [format(header), format(widths.map((w) => "-".repeat(w))), ...lines.map(format)].join("\n");
}

async function main(): Promise<void> {
  const { quick, flags } = argsOf();
  const only = flags.get("only");
  const chosen = only
    ? only
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean)
    : [...SUITES];
  const unknown = chosen.filter((s) => !(SUITES as readonly string[]).includes(s));
  if (unknown.length > 0) {
    console.error(`unknown suite(s): ${unknown.join(", ")}; choose from ${SUITES.join(", ")}`);
    process.exit(2);
  }
  const started = Date.now();
  const host = machine();
  console.log(
    `branchline benchmarks${quick ? " (quick)" : ""}: ${chosen.join(", ")} on ${host.nproc} CPUs (${host.cpuModel}), ${host.memoryGiB} GiB, Node ${host.node}`,
  );
  const results: (SuiteResult | { suite: string; error: string })[] = [];
  for (const name of chosen as SuiteName[]) {
    const suiteStarted = Date.now();
    process.stdout.write(`- ${name} … `);
    const result = await runOne(name, quick);
    results.push(result);
    console.log(
      "error" in result ? `FAILED to run: ${result.error}` : `${((Date.now() - suiteStarted) / 1000).toFixed(1)} s`,
    );
  }
  const rows = results.flatMap((r) => ("rows" in r ? r.rows : []));
  console.log(`\n${table(rows)}\n`);
  for (const r of results) if ("notes" in r) for (const note of r.notes) console.log(`[${r.suite}] ${note}`);
  const dir = `${BENCH_ROOT}bench/results`;
  const file = `${dir}/latest.json`;
  // With --only, the other suites' last results are kept (each carries its own startedAt).
  const kept =
    only && existsSync(file)
      ? ((JSON.parse(readFileSync(file, "utf8")) as { results?: { suite: string }[] }).results ?? []).filter(
          (r) => !chosen.includes(r.suite),
        )
      : [];
  const out = {
    machine: host,
    quick,
    suites: chosen,
    totalSeconds: (Date.now() - started) / 1000,
    results: [...kept, ...results],
  };
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`\nwrote bench/results/latest.json (${out.totalSeconds.toFixed(0)} s in all)`);
  process.exit(results.some((r) => "error" in r) ? 1 : 0);
}

await main();
