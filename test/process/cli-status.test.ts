import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRun } from "../../src/aws/pipelines.js";
import type { PipelineName } from "../../src/core/naming.js";
import { emulatedAws, type EmulatedAws } from "../support/aws.js";
import { cliEnv, deployStack, json, runCli } from "../cli/support.js";

interface Status {
  region: string;
  repository: string | null;
  needAttention: number;
  ttl: string | null;
  environments: {
    repository: string;
    environment: string;
    kind: string;
    stack: string;
    stackStatus: string;
    condition: string;
    pipeline: string;
    lastRun: { status: string; commit: string | null; startedAt: string | null } | null;
    createdAt: string | null;
    hibernated: boolean;
    timeLeftMs: number | null;
  }[];
}

const COMMIT = "c".repeat(40);

describe("branchline status, against the loopback emulator", () => {
  let aws: EmulatedAws;
  let env: Record<string, string | undefined>;
  let branchStack: string;
  let stagingStack: string;

  beforeAll(async () => {
    aws = await emulatedAws();
    env = cliEnv({
      AWS_ENDPOINT_URL: aws.emulator.url,
      AWS_REGION: aws.emulator.region,
      AWS_ACCESS_KEY_ID: "AKIDCLITEST",
      AWS_SECRET_ACCESS_KEY: "cli-test-secret-key",
    });
    const shop = { owner: "octo-org", name: "shop" };
    branchStack = await deployStack(aws.clients, shop, { kind: "branch", branch: "feature/login" });
    stagingStack = await deployStack(aws.clients, shop, { kind: "staging", branch: "main" });
    await deployStack(aws.clients, { owner: "octo-org", name: "web" }, { kind: "branch", branch: "fix/typo" });
    // A run pinned to a commit, as branchline starts them.
    await startRun(aws.clients.codepipeline, {
      pipeline: branchStack as PipelineName,
      sourceAction: "Source",
      commit: COMMIT,
      token: "cli-status-test",
    });
  });
  afterAll(() => aws?.close());

  it("lists every managed environment with its stack state, last run and commit (--json)", async () => {
    const run = await runCli(["status", "--json"], { env });
    expect(run.code, run.stderr).toBe(0);
    const status = json<Status>(run);
    expect(status).toMatchObject({ region: aws.emulator.region, repository: null, needAttention: 0 });
    expect(status.environments.map((e) => `${e.repository} ${e.environment}`)).toEqual([
      "octo-org/shop staging",
      "octo-org/shop branch/feature/login",
      "octo-org/web branch/fix/typo",
    ]);
    const branch = status.environments.find((e) => e.stack === branchStack)!;
    expect(branch).toMatchObject({
      kind: "branch",
      stackStatus: "CREATE_COMPLETE",
      condition: "ready",
      pipeline: branchStack,
    });
    expect(branch.lastRun).toMatchObject({ commit: COMMIT, status: expect.any(String), startedAt: expect.any(String) });
  });

  it("prints a table, and --repo narrows it to one repository", async () => {
    const run = await runCli(["status", "--repo", "octo-org/shop"], { env });
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^ENVIRONMENT\s+STACK\s+LAST RUN\s+COMMIT\s+AGE\s+LAST PUSH\s+TIME LEFT\s+STACK NAME$/);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(
      new RegExp(`^staging\\s+CREATE_COMPLETE\\s+\\S+\\s+\\S+\\s+\\S+\\s+\\S+\\s+-\\s+${stagingStack}$`),
    );
    expect(lines[2]).toMatch(
      new RegExp(
        `^branch/feature/login\\s+CREATE_COMPLETE\\s+\\S+\\s+${COMMIT.slice(0, 12)}\\s+\\d+[sm]\\s+\\d+[sm]\\s+-\\s+${branchStack}$`,
      ),
    );
    expect(run.stdout).not.toContain("octo-org/web");
    expect(run.stdout).not.toContain("\u001b[");
  });

  it("counts each branch environment's time left against --ttl, and refuses a ttl that is not a duration", async () => {
    const run = await runCli(["status", "--repo", "octo-org/shop", "--ttl", "7d", "--json"], { env });
    expect(run.code, run.stderr).toBe(0);
    const status = json<Status>(run);
    expect(status.ttl).toBe("7d");
    const branch = status.environments.find((e) => e.stack === branchStack)!;
    expect(branch.createdAt).toEqual(expect.any(String));
    expect(branch.hibernated).toBe(false);
    // Pushed (run started) moments ago: nearly all of the seven days are left.
    expect(branch.timeLeftMs).toBeGreaterThan(6 * 86_400_000);
    expect(branch.timeLeftMs).toBeLessThanOrEqual(7 * 86_400_000);
    expect(status.environments.find((e) => e.stack === stagingStack)!.timeLeftMs).toBeNull();

    const table = await runCli(["status", "--repo", "octo-org/shop", "--ttl", "7d"], { env });
    expect(table.stdout.split("\n").find((line) => line.startsWith("branch/feature/login"))).toMatch(/\s6d\s+\S+$/);

    const bad = await runCli(["status", "--ttl", "a week"], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--ttl is "a week"');
  });

  it("says so when there is nothing, and needs AWS configured (exit 2 without it)", async () => {
    const none = await runCli(["status", "--repo", "octo-org/nothing"], { env });
    expect(none.code).toBe(0);
    expect(none.stdout).toBe(`No environments managed by branchline for octo-org/nothing in ${aws.emulator.region}.\n`);

    const unconfigured = await runCli(["status"]);
    expect(unconfigured.code).toBe(2);
    expect(unconfigured.stderr).toContain("no AWS configuration found");

    const noRegion = await runCli(["status"], {
      env: cliEnv({ AWS_ACCESS_KEY_ID: "AKIDCLITEST", AWS_SECRET_ACCESS_KEY: "cli-test-secret-key" }),
    });
    expect(noRegion.code).toBe(2);
    expect(noRegion.stderr).toContain("AWS_REGION is not set");
    expect(noRegion.stderr + noRegion.stdout).not.toContain("cli-test-secret-key");
  });
});
