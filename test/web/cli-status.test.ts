import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCommandArgs, UsageError } from "../../src/cli/command.js";
import type { Io } from "../../src/cli/output.js";
import { statusCommand } from "../../src/cli/status.js";
import { CONFIG } from "../support/repository-fixtures.js";
import { A, B, webScene, type WebScene } from "../support/web-scene.js";

let scene: WebScene;

beforeAll(async () => {
  scene = await webScene({ config: `${CONFIG}branches:\n  ttl: 7d\n` });
  await scene.push("feature/login", A);
  await scene.push("feature/secret", B, "vault");
  await scene.app.settle();
}, 60_000);

afterAll(async () => {
  await scene.close();
});

function io(env: Record<string, string>): Io {
  const sink = { write: () => true };
  return { stdout: sink, stderr: sink, env, cwd: process.cwd(), secrets: [] };
}

const status = (argv: string[], env: Record<string, string>) =>
  statusCommand.run(parseCommandArgs(statusCommand, argv), io(env));

describe("branchline status --server URL", () => {
  it("lists, from the running app's API, exactly the environments the token's person may read", async () => {
    const alice = await status(["--server", scene.url], { GITHUB_TOKEN: scene.token("alice") });
    expect(alice.data.environments.map((e) => `${e.repository} ${e.environment} ${e.lastRun?.status}`)).toEqual([
      "octo-org/shop branch/feature/login Succeeded",
    ]);
    expect(alice.data.environments[0]).toMatchObject({ kind: "branch", condition: "ready", lastRun: { commit: A } });
    const bob = await status(["--server", scene.url], { GITHUB_TOKEN: scene.token("bob") });
    expect(bob.data.environments.map((e) => e.repository).sort()).toEqual(["octo-org/shop", "octo-org/vault"]);
    const one = await status(["--server", scene.url, "--repo", "octo-org/vault"], { GITHUB_TOKEN: scene.token("bob") });
    expect(one.data.environments.map((e) => e.environment)).toEqual(["branch/feature/secret"]);
  });

  it("shows each environment's age and time left under the repository's branches.ttl, as the API reports them", async () => {
    const alice = await status(["--server", scene.url], { GITHUB_TOKEN: scene.token("alice") });
    const login = alice.data.environments[0]!;
    expect(login.createdAt).not.toBeNull();
    expect(login.hibernated).toBe(false);
    // Pushed in this test's set-up: most of the week is left, and never more than the week.
    expect(login.timeLeftMs).toBeGreaterThan(6 * 86_400_000);
    expect(login.timeLeftMs).toBeLessThanOrEqual(7 * 86_400_000);
  });

  it("says what is wrong: no token, a refused token, a repository the person cannot read", async () => {
    await expect(status(["--server", scene.url], {})).rejects.toBeInstanceOf(UsageError);
    await expect(status(["--server", scene.url], { GITHUB_TOKEN: "ghu_nope" })).rejects.toThrow(
      /refused the token \(401\)/,
    );
    await expect(
      status(["--server", scene.url, "--repo", "octo-org/vault"], { GITHUB_TOKEN: scene.token("alice") }),
    ).rejects.toThrow(/404/);
  });
});
