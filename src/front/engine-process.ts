import { spawn } from "node:child_process";
import { createServer } from "node:net";
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
  if (!secret) throw new Error("BRANCHLINE_ENGINE_PROCESS needs WEBHOOK_SECRET: the front verifies every webhook before it answers");
  const enginePort = await freeLoopbackPort();
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!], {
    env: { ...process.env, [ENGINE_CHILD]: "1", PORT: String(enginePort), HOST: "127.0.0.1" },
    stdio: ["inherit", "inherit", "inherit", "ipc"],
  });
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
  log.info({ enginePort }, "branchline: webhooks are answered here; the engine runs in its own process");
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
      probe.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no loopback port"))));
    });
  });
}
