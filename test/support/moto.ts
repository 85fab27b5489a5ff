import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { freePort } from "./processes.js";

/** moto_server, started on a free loopback port; fails loudly when it is not installed. */
export interface Moto {
  readonly url: string;
  /** moto_server's process id (the replicas benchmark reads its CPU time). */
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

export async function startMoto(): Promise<Moto> {
  const probe = spawnSync("moto_server", ["--help"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      "moto_server is required for the conformance suite and was not found or does not run " +
        `(${probe.error?.message ?? probe.stderr}). Install it with: pip install 'moto[server]'`,
    );
  }
  const port = await freePort();
  const child: ChildProcess = spawn("moto_server", ["-p", String(port), "-H", "127.0.0.1"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}: ${stderr}`);
    try {
      const response = await fetch(`${url}/moto-api/`);
      await response.arrayBuffer();
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`moto_server did not answer on ${url}: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    url,
    pid: child.pid,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
