import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { createServer } from "node:net";
import { getPriority, setPriority } from "node:os";
import type { Logger } from "probot";
import { DEFAULT_MAX_BODY_BYTES } from "../http/bounded-body.js";
import { webhookPath } from "../http/root-webhooks.js";
import { ENGINE_CHILD, type EngineLayout } from "../settings.js";
import { EngineLink } from "./engine-link.js";
import { startFront } from "./front-server.js";

/**
 * The single-process install with the engine in a process of its own (the default; see EngineLayout):
 * this process is the front (src/front/front-server.ts); the same program, started again with
 * ENGINE_CHILD set to a loopback port, is the whole app on that port. The front takes its own port
 * first, so a port in use fails before any engine starts. The engine ends when the front does (its
 * IPC channel closes), and the front when the engine does, so a supervisor restarts both.
 */
export async function runWithEngineProcess(
  layout: Extract<EngineLayout, { kind: "front" }>,
  log: Logger,
): Promise<void> {
  const enginePort = await freeLoopbackPort();
  const link = new EngineLink(log);
  // As Probot's `run` reads them: an unset or empty HOST is localhost, an unset or empty PORT 3000.
  const front = await startFront({
    port: Number(process.env.PORT) || 3000,
    host: process.env.HOST || "localhost",
    webhookSecret: layout.webhookSecret,
    webhookPath: webhookPath(),
    engine: { host: "127.0.0.1", port: enginePort },
    deliver: (delivery) => link.deliver(delivery),
    maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
    log,
  });
  // An inspector port given to the front would clash in the engine.
  const execArgv = process.execArgv.filter((arg) => !arg.startsWith("--inspect"));
  const child = spawn(process.execPath, [...execArgv, process.argv[1]!], {
    env: { ...process.env, [ENGINE_CHILD]: String(enginePort) },
    stdio: ["inherit", "inherit", "inherit", "ipc"],
  });
  link.attach(child);
  let stopping = false;
  child.on("error", (error) => log.error({ err: error }, "the engine process could not be started or reached"));
  child.on("exit", (code, signal) => {
    if (stopping) process.exit(code ?? 0);
    log.error({ code, signal }, "the engine process ended; stopping");
    process.exit(code ?? 1);
  });
  for (const signal of ["SIGTERM", "SIGINT"] as const)
    process.once(signal, () => {
      // No more webhooks are taken (one answered now would never reach the engine); then the engine stops.
      stopping = true;
      front.close();
      front.closeIdleConnections();
      child.kill(signal);
    });
  log.info(
    { enginePort, enginePid: child.pid, engineNice: layout.nice },
    "branchline: webhooks are answered here; the engine runs in its own process",
  );
}

/**
 * In the engine process: serve on the front's loopback port whatever `.env` says (Probot's `run`
 * applies `.env` over the environment again, so its options are given explicitly), and end with
 * the front (its IPC channel closes when the front dies, even by SIGKILL).
 */
export function serveBehindFront(layout: Extract<EngineLayout, { kind: "engine-child" }>): NodeJS.ProcessEnv {
  process.on("disconnect", () => process.exit(0));
  process.env.PORT = String(layout.port);
  process.env.HOST = "127.0.0.1";
  return { ...process.env };
}

/**
 * In the engine process, once it serves: work at a lower CPU priority than the front (niceness is
 * relative to the process's own, and an unprivileged process may lower its priority, never raise
 * it). Only then: an engine starting at the lowest priority on a busy machine would take its time to
 * serve at all, while the front answered every webhook and could hand none of them on.
 */
export function workBelowFront(layout: Extract<EngineLayout, { kind: "engine-child" }>, log: Logger): void {
  if (layout.nice === 0) return;
  try {
    // On Linux a priority is a thread's: every thread there is now (V8's, libuv's pool) goes lower,
    // and threads started later take the priority of the thread that starts them.
    for (const thread of ownThreads()) setPriority(thread, Math.min(19, getPriority(thread) + layout.nice));
  } catch (error) {
    log.warn({ err: error }, "could not lower the engine process's CPU priority; webhooks may wait behind its work");
  }
}

/** The process's threads by id where the system lists them (Linux's /proc), else the process itself (0). */
function ownThreads(): number[] {
  try {
    return readdirSync("/proc/self/task").map(Number);
  } catch {
    return [0];
  }
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
