import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startEmulator, type Emulator, type EmulatorOptions } from "@branchline/aws-emulator";
import { startFakeGitHubServer, type FakeGitHubServer } from "../../test/support/fake-github-server.js";
import type { RepositoryModel } from "../../test/support/github-model.js";
import { INSTALLATION_ID, pushToBranch } from "../../test/support/payloads.js";
import {
  AppServer,
  appServerEnv,
  freePort,
  generateAppKeyPair,
  ManagedProcess,
  signWebhook,
  WEBHOOK_PATH,
  type AppCredentials,
  type Env,
} from "../../test/support/processes.js";
import type { LoadPlan, LoadReport, PlannedDelivery } from "../load-generator.js";
import { configYaml } from "./common.js";

/**
 * The process-level scene: a fake GitHub over loopback HTTP and the AWS emulator, both in this
 * (the suite's) process, and servers under test as child processes: branchline's built server
 * (`dist/src/main.js`) or the bare Probot reference (`dist/bench/bare-probot.js`).
 */

export const BARE_PROBOT = fileURLToPath(new URL("../bare-probot.js", import.meta.url));
export const LOAD_GENERATOR = fileURLToPath(new URL("../load-generator.js", import.meta.url));
export const MEMORY_PROBE = new URL("../memory-probe.js", import.meta.url).href;
export const APP_ID = 4242;
export const OWNER = "octo-org";
export const REPO = "shop";

export interface Scene {
  readonly github: FakeGitHubServer;
  /** `octo-org/shop`, the repository every delivery is about. */
  readonly repo: RepositoryModel;
  readonly emulator: Emulator;
  readonly credentials: AppCredentials;
  close(): Promise<void>;
}

/** Branches under `bench/` are excluded by config: a push there is read, routed and ignored (one log line). */
export const EXCLUDED_PREFIX = "bench/";

export async function startScene(options: { emulator?: EmulatorOptions; config?: string | null } = {}): Promise<Scene> {
  const keys = generateAppKeyPair();
  const github = await startFakeGitHubServer({ appId: APP_ID, appPublicKey: keys.publicKey });
  const repo = github.model.repository(OWNER, REPO);
  github.model.install(INSTALLATION_ID, OWNER, [`${OWNER}/${REPO}`]);
  const config =
    options.config === undefined ? configYaml(`branches:\n  exclude: ["${EXCLUDED_PREFIX}**"]\n`) : options.config;
  if (config !== null) repo.file("main", ".github/branchline.yml", config);
  const emulator = await startEmulator(options.emulator ?? { timing: "test" });
  return {
    github,
    repo,
    emulator,
    credentials: { appId: APP_ID, privateKey: keys.privateKey, webhookSecret: `bench-secret-${randomUUID()}` },
    async close() {
      await github.close();
      await emulator.close();
    },
  };
}

export type ServerKind = "branchline" | "bare-probot";

/** Starts a server under test and waits until GET /ping answers. Logs at info (production's level), as JSON. */
export async function startServer(scene: Scene, kind: ServerKind, env: Env = {}): Promise<AppServer> {
  const port = await freePort();
  const fullEnv = appServerEnv({
    githubHost: scene.github.host,
    awsEndpoint: scene.emulator.url,
    credentials: scene.credentials,
    port,
    logLevel: "info",
    env: { BRANCHLINE_RECONCILE_MINUTES: "0", BRANCHLINE_RUN_POLL_SECONDS: "30", ...env },
  });
  const script = kind === "branchline" ? fileURLToPath(new URL("../../src/main.js", import.meta.url)) : BARE_PROBOT;
  const managed = new ManagedProcess(kind, script, [], fullEnv);
  return new AppServer(managed, port, 30_000).start();
}

/**
 * Signed pushes to distinct excluded branches: each becomes its own job (its own lane), read, routed
 * and ignored. Each branch is made to exist at GitHub as the push says, since a look reads the ref's
 * head there (a branch GitHub does not have is a deleted one, whose stack a look would go looking for).
 */
export function excludedPushes(repo: RepositoryModel, count: number, tag: string): PlannedDelivery[] {
  const deliveries: PlannedDelivery[] = [];
  const base = pushToBranch(`${EXCLUDED_PREFIX}x`, "a".repeat(40), { owner: OWNER, repo: REPO });
  for (let i = 0; i < count; i++) {
    const payload = {
      ...base,
      ref: `refs/heads/${EXCLUDED_PREFIX}${tag}-${i}`,
      after: (i.toString(16) + "c".repeat(40)).slice(0, 40),
    };
    repo.branch(`${EXCLUDED_PREFIX}${tag}-${i}`, payload.after);
    const body = JSON.stringify(payload);
    deliveries.push({ id: `${tag}-${i}-${randomUUID()}`, event: "push", body, signature: "" });
  }
  return deliveries;
}

export function sign(deliveries: PlannedDelivery[], secret: string): PlannedDelivery[] {
  return deliveries.map((d) => ({ ...d, signature: signWebhook(secret, d.body) }));
}

/** Runs the load generator as its own process against `server`, and returns its report. */
export async function generateLoad(
  server: AppServer,
  rate: number,
  deliveries: readonly PlannedDelivery[],
  timeoutMs = 120_000,
): Promise<LoadReport> {
  const dir = mkdtempSync(join(tmpdir(), "branchline-bench-"));
  try {
    const file = join(dir, "plan.json");
    const plan: LoadPlan = { url: `${server.url}${WEBHOOK_PATH}`, rate, deliveries };
    writeFileSync(file, JSON.stringify(plan));
    const generator = new ManagedProcess("load-generator", LOAD_GENERATOR, [file], {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
    });
    generator.start();
    const exit = await generator.waitForExit(timeoutMs).catch(async (error: unknown) => {
      await generator.kill("SIGKILL").catch(() => undefined);
      throw error;
    });
    if (exit.code !== 0) throw new Error(`the load generator failed (${JSON.stringify(exit)}):\n${generator.text()}`);
    const line = generator.lines("stdout").find((l) => l.startsWith("{"));
    if (!line) throw new Error(`the load generator printed no report:\n${generator.text()}`);
    return JSON.parse(line) as LoadReport;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Delivery ids the branchline server has logged as processed (the `ignored` line a job ends with, which carries its delivery id). */
export function processedDeliveries(server: AppServer): Set<string> {
  const seen = new Set<string>();
  for (const line of server.logs()) {
    if (
      typeof line.delivery === "string" &&
      (line.msg === "ignored" || line.msg === "no .github/branchline.yml; nothing to do")
    )
      seen.add(line.delivery);
  }
  return seen;
}

export interface MemorySample {
  readonly rss: number;
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
  readonly gc: boolean;
  /** How many processes the sample adds up: the front and its engine process, or the one server. */
  readonly processes: number;
}

/**
 * Asks the memory probe (preloaded with NODE_OPTIONS, which the engine process inherits) for a
 * post-GC sample of every process of the server: the front and the engine it names in its start-up
 * line, summed, so the default two-process layout is not measured by its small half.
 */
export async function sampleMemory(server: AppServer): Promise<MemorySample> {
  const from = server.process.output.length;
  const engine = server.engine();
  const pids = [server.process.pid!, ...(engine ? [engine.pid] : [])];
  for (const pid of pids) process.kill(pid, "SIGUSR2");
  const lines = await server.process.waitForOutput(
    () => {
      const found = server.process
        .lines()
        .slice(from)
        .filter((line) => line.startsWith("BENCH_MEMORY "));
      return found.length >= pids.length ? found : undefined;
    },
    10_000,
    `${pids.length} memory samples`,
  );
  const samples = lines.map(
    (line) => JSON.parse(line.slice("BENCH_MEMORY ".length)) as Omit<MemorySample, "processes">,
  );
  const sum = (key: "rss" | "heapUsed" | "heapTotal" | "external"): number =>
    samples.reduce((total, sample) => total + sample[key], 0);
  return {
    rss: sum("rss"),
    heapUsed: sum("heapUsed"),
    heapTotal: sum("heapTotal"),
    external: sum("external"),
    gc: samples.every((sample) => sample.gc),
    processes: samples.length,
  };
}

export function memoryProbeEnv(): Env {
  return { NODE_OPTIONS: `--import=${MEMORY_PROBE}` };
}
