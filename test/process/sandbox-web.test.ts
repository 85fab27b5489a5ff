import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  baseEnv,
  BUILT_SERVER,
  eventually,
  freePort,
  ManagedProcess,
  REPO_ROOT,
  stopAllProcesses,
  waitUntilServing,
} from "../support/processes.js";

const dirs: string[] = [];
afterAll(async () => {
  await stopAllProcesses();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("npm start with neither a GitHub App nor AWS", () => {
  it("serves Probot's set-up flow and, beside it, the web view on the sandbox's state, marked as the sandbox", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "branchline-sandbox-web-"));
    const home = mkdtempSync(join(tmpdir(), "branchline-home-"));
    dirs.push(cwd, home);
    copyFileSync(join(REPO_ROOT, "app.yml"), join(cwd, "app.yml"));
    copyFileSync(join(REPO_ROOT, "package.json"), join(cwd, "package.json"));
    const port = await freePort();
    const server = new ManagedProcess(
      "sandbox-web",
      BUILT_SERVER,
      [],
      { PATH: baseEnv().PATH, HOME: home, HOST: "127.0.0.1", PORT: String(port), NO_SMEE_SETUP: "true" },
      cwd,
    ).start();
    const base = `http://127.0.0.1:${port}`;
    await waitUntilServing(base, server);
    expect(new URL((await fetch(`${base}/`)).url).pathname).toBe("/probot");

    const home_ = await (await fetch(`${base}/branchline/`)).text();
    expect(home_).toContain('class="sandbox"');
    expect(home_).toContain("sandbox/demo");
    const repository = (await (await fetch(`${base}/branchline/api/v1/repos/sandbox/demo/environments`)).json()) as {
      sandbox: boolean;
      environments: { label: string; lastRun: { executionId: string; status: string } | null }[];
    };
    expect(repository.sandbox).toBe(true);
    expect(repository.environments.map((e) => e.label)).toEqual([
      "staging",
      "branch/feature/checkout",
      "branch/fix/cart-total",
    ]);
    // The demo pipelines run by themselves; their runs show real build lines from the emulator's CloudWatch Logs.
    const run = await eventually(
      async () => {
        const staging = (
          (await (await fetch(`${base}/branchline/api/v1/repos/sandbox/demo/environments`)).json()) as typeof repository
        ).environments[0]!;
        if (!staging.lastRun || staging.lastRun.status === "InProgress") return undefined;
        return (await (
          await fetch(
            `${base}/branchline/api/v1/repos/sandbox/demo/environments/staging/runs/${staging.lastRun.executionId}`,
          )
        ).json()) as { log: { source: string }[] };
      },
      60_000,
      "a finished demo run",
    );
    expect(new Set(run.log.map((l) => l.source))).toEqual(new Set(["pipeline", "build", "stack"]));
    // No buttons act without an App.
    const press = await fetch(`${base}/branchline/api/v1/repos/sandbox/demo/environments/staging/runs/x/approve`, {
      method: "POST",
    });
    expect([403, 404]).toContain(press.status);
  });
});
