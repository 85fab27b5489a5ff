import { createHash } from "node:crypto";
import { cpus, totalmem } from "node:os";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { stopAllProcesses } from "../../test/support/processes.js";

/**
 * What every benchmark suite shares: its arguments, how it hands its result to bench/main.ts (one
 * line on stdout, `BENCH_RESULT {json}`), statistics, and the scene it runs in (the branchline
 * config and pipeline template the process tests use).
 */

export const RESULT_PREFIX = "BENCH_RESULT ";
export const BENCH_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** A suite's rows for the printed table: what was measured, the figure, its reference and target. */
export interface Row {
  readonly suite: string;
  readonly case: string;
  readonly metric: string;
  readonly value: number | string;
  readonly unit?: string;
  /** The same figure for the reference measured in the same run, when there is one. */
  readonly reference?: number | string;
  /** value ÷ reference, when both are numbers. */
  readonly ratio?: number;
  readonly target?: string;
  /** true met, false missed, undefined: no target. */
  readonly met?: boolean;
}

export interface SuiteResult {
  readonly suite: string;
  readonly quick: boolean;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly rows: Row[];
  /** Everything else the suite measured, for the JSON file. */
  readonly details: unknown;
  readonly notes: string[];
}

export function row(fields: Row): Row {
  const ratio =
    typeof fields.value === "number" && typeof fields.reference === "number" && fields.reference !== 0
      ? fields.value / fields.reference
      : undefined;
  return ratio === undefined ? fields : { ...fields, ratio };
}

export function argsOf(argv: readonly string[] = process.argv.slice(2)): {
  quick: boolean;
  flags: Map<string, string>;
} {
  const flags = new Map<string, string>();
  for (const arg of argv) {
    const match = /^--([^=]+)(?:=(.*))?$/.exec(arg);
    if (match) flags.set(match[1]!, match[2] ?? "true");
  }
  return { quick: flags.get("quick") === "true", flags };
}

/**
 * Runs a suite's body, prints its result line, and makes sure every child it started is gone: on
 * success, on failure, and on SIGTERM/SIGINT from bench/main.ts (its time limit).
 */
export async function runSuite(
  name: string,
  body: (context: {
    quick: boolean;
    flags: Map<string, string>;
    notes: string[];
  }) => Promise<{ rows: Row[]; details: unknown }>,
): Promise<void> {
  const { quick, flags } = argsOf();
  const notes: string[] = [];
  const started = Date.now();
  const stop = (signal: NodeJS.Signals) => {
    void stopAllProcesses().finally(() => process.exit(signal === "SIGTERM" ? 143 : 130));
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
  try {
    const { rows, details } = await body({ quick, flags, notes });
    const result: SuiteResult = {
      suite: name,
      quick,
      startedAt: new Date(started).toISOString(),
      durationMs: Date.now() - started,
      rows,
      details,
      notes,
    };
    await new Promise<void>((resolve) =>
      process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`, () => resolve()),
    );
    await stopAllProcesses();
    process.exit(0);
  } catch (error) {
    console.error(`[bench ${name}] failed:`, error);
    await stopAllProcesses();
    process.exit(1);
  }
}

// ---- statistics -----------------------------------------------------------------------------------

/** The q-quantile (0..1) by nearest rank over a copy of `values`; NaN when empty. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1]!;
}

export function summary(values: readonly number[]): { n: number; p50: number; p99: number; max: number; mean: number } {
  const n = values.length;
  return {
    n,
    p50: round(quantile(values, 0.5)),
    p99: round(quantile(values, 0.99)),
    max: round(n ? Math.max(...values) : Number.NaN),
    mean: round(n ? values.reduce((a, b) => a + b, 0) / n : Number.NaN),
  };
}

export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it is true or `timeoutMs` passes; returns whether it became true. Never throws on timeout. */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  intervalMs = 50,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await sleep(intervalMs);
  }
}

// ---- the machine ----------------------------------------------------------------------------------

export interface Machine {
  readonly nproc: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly node: string;
  readonly platform: string;
  readonly date: string;
}

export function machine(): Machine {
  return {
    nproc: cpus().length,
    cpuModel: cpus()[0]?.model ?? "unknown",
    memoryGiB: round(totalmem() / 1024 ** 3, 1),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    date: new Date().toISOString(),
  };
}

// ---- the scene ------------------------------------------------------------------------------------

export const TEMPLATE_PATH = ".github/branchline/pipeline.yml";
export const CONNECTION_ARN = "arn:aws:codeconnections:us-east-1:123456789012:connection/0a1b2c3d";

/** The config the process tests use, plus an exclusion for branches the latency suite pushes to. */
export function configYaml(extra = ""): string {
  return `parameters:\n  all:\n    ConnectionArn: ${CONNECTION_ARN}\n${extra}`;
}

/** test/fixtures/templates/small-pipeline.yml: an artifact bucket, a role, a V2 pipeline (read at run time, not built). */
export function smallTemplate(): string {
  return readFileSync(`${BENCH_ROOT}test/fixtures/templates/small-pipeline.yml`, "utf8");
}

/** The same template with one real resource change (the build project's name in the pipeline). */
export function changedTemplate(): string {
  const changed = smallTemplate().replace(
    'ProjectName: !Sub "${BranchlineEnvironment}-build"',
    'ProjectName: !Sub "${BranchlineEnvironment}-build-v2"',
  );
  if (changed === smallTemplate()) throw new Error("the fixture template changed shape: update changedTemplate()");
  return changed;
}

/** A 40-hex commit sha made from a number, distinct per (prefix, n). */
export function sha(prefix: string, n: number): string {
  return createHash("sha1").update(`${prefix}:${n}`).digest("hex");
}
