import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { getPriority, setPriority } from "node:os";
import type { Logger } from "probot";
import { DEFAULT_MAX_BODY_BYTES } from "../http/bounded-body.js";
import { webhookPath } from "../http/root-webhooks.js";
import { startFront } from "./front-server.js";

/** Set in the engine process's environment: it serves on loopback behind the front, and ends with it. */
export const ENGINE_CHILD = "BRANCHLINE_ENGINE_CHILD";

/**
 * The single-process install with the engine in a process of its own (BRANCHLINE_ENGINE_PROCESS=1):
 * this process is the front (src/front/front-server.ts); the same program, started again with
 * ENGINE_CHILD set, is the whole app on a loopback port. The engine ends when the front does (its
 * IPC channel closes), and the front when the engine does, so a supervisor restarts both.
 */
export async function runWithEngineProcess(log: Logger): Promise<void> {
  const secret = process.env.WEBHOOK_SECRET;
  if (!secret)
    throw new Error(
      "BRANCHLINE_ENGINE_PROCESS needs WEBHOOK_SECRET: the front verifies every webhook before it answers",
    );
  const nice = engineNiceness(process.env.BRANCHLINE_ENGINE_NICE);
  const enginePort = await freeLoopbackPort();
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!], {
    env: { ...process.env, [ENGINE_CHILD]: "1", PORT: String(enginePort), HOST: "127.0.0.1" },
    stdio: ["inherit", "inherit", "inherit", "ipc"],
  });
  lowerPriority(child.pid, nice, log);
  child.on("exit", (code, signal) => {
    log.error({ code, signal }, "the engine process ended; stopping");
    process.exit(code ?? 1);
  });
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => child.kill(signal));
  await startFront({
    port: Number(process.env.PORT ?? 3000),
    host: process.env.HOST ?? "0.0.0.0",
    webhookSecret: secret,
    webhookPath: webhookPath(),
    engine: { host: "127.0.0.1", port: enginePort },
    maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
    log,
  });
  log.info(
    { enginePort, enginePid: child.pid, engineNice: nice },
    "branchline: webhooks are answered here; the engine runs in its own process",
  );
}

/**
 * How much lower than the front's the engine's CPU priority is (BRANCHLINE_ENGINE_NICE, default 10).
 * On a machine with few CPUs the engine working through a backlog would otherwise take the CPU the
 * front needs to answer the next webhook; with a lower priority the scheduler answers first, and
 * the engine gets all the time the front leaves.
 */
export function engineNiceness(value: string | undefined): number {
  if (value === undefined || value.trim() === "") return 10;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 19)
    throw new Error(`BRANCHLINE_ENGINE_NICE must be a whole number from 0 to 19, not ${JSON.stringify(value)}`);
  return n;
}

/** Niceness is relative to the front's own; an unprivileged process may lower a child's priority, never raise it. */
function lowerPriority(pid: number | undefined, by: number, log: Logger): void {
  if (pid === undefined || by === 0) return;
  try {
    setPriority(pid, Math.min(19, getPriority() + by));
  } catch (error) {
    log.warn({ err: error }, "could not lower the engine process's CPU priority; webhooks may wait behind its work");
  }
}

/** In the engine process: end with the front (its IPC channel closes when the front dies, even by SIGKILL). */
export function endWithFront(): void {
  process.on("disconnect", () => process.exit(0));
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no loopback port")),
      );
    });
  });
}
