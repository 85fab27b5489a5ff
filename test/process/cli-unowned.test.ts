import { UpdateTerminationProtectionCommand } from "@aws-sdk/client-cloudformation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { retagStack } from "../../src/aws/stack-tags.js";
import { describeStack } from "../../src/aws/stacks.js";
import type { StackName } from "../../src/core/naming.js";
import { allStacks, callCount, emulatedAws, tagsOf, type EmulatedAws } from "../support/aws.js";
import { startFakeGitHubServer, type FakeGitHubServer } from "../support/fake-github-server.js";
import { generateAppKeyPair } from "../support/processes.js";
import { cliEnv, deployStack, json, runCli } from "../cli/support.js";

interface Gc {
  repositories: { repository: string; state: string; note?: string }[];
  actions: { repository: string; kind: string; target: string; stack?: string; outcome: string; reason: string }[];
  errors: unknown[];
}
interface Status {
  environments: { environment: string; stack: string; repositoryState: string | null }[];
}

const APP_ID = 9912;
const keys = generateAppKeyPair();
const BOUNDS = { maxWaitSeconds: 30, minDelaySeconds: 0.05, maxDelaySeconds: 0.2 };

describe("an unowned repository (the App was uninstalled from it), from the command line", () => {
  let aws: EmulatedAws;
  let github: FakeGitHubServer;
  let env: Record<string, string | undefined>;
  let branchStack: string;
  let stagingStack: string;

  beforeAll(async () => {
    aws = await emulatedAws();
    // The App is installed elsewhere, not on octo-org: GitHub would answer 404 for its repositories.
    github = await startFakeGitHubServer({ appId: APP_ID, appPublicKey: keys.publicKey });
    github.model.install(56, "someone-else");
    const gone = { owner: "octo-org", name: "gone" };
    branchStack = await deployStack(aws.clients, gone, { kind: "branch", branch: "feature/x" });
    stagingStack = await deployStack(aws.clients, gone, { kind: "staging", branch: "main" });
    await aws.clients.cloudformation.send(
      new UpdateTerminationProtectionCommand({ StackName: stagingStack, EnableTerminationProtection: true }),
    );
    // As the app marks them when the installation goes.
    for (const name of [branchStack, stagingStack]) {
      const stack = (await describeStack(aws.clients.cloudformation, name as StackName))!;
      await retagStack(
        aws.clients.cloudformation,
        stack,
        { ...stack.tags, "branchline:repository-state": "unowned" },
        `mark-${name}`,
        BOUNDS,
      );
    }
    env = cliEnv({
      ...github.env,
      APP_ID: String(APP_ID),
      PRIVATE_KEY: keys.privateKey,
      AWS_ENDPOINT_URL: aws.emulator.url,
      AWS_REGION: aws.emulator.region,
      AWS_ACCESS_KEY_ID: "AKIDCLITEST",
      AWS_SECRET_ACCESS_KEY: "cli-test-secret-key",
    });
  });
  afterAll(async () => {
    await github?.close();
    await aws?.close();
  });

  it("status shows every environment of it as unowned", async () => {
    const run = await runCli(["status", "--repo", "octo-org/gone", "--json"], { env });
    expect(run.code, run.stderr).toBe(0);
    expect(json<Status>(run).environments.map((e) => [e.environment, e.repositoryState])).toEqual([
      ["staging", "unowned"],
      ["branch/feature/x", "unowned"],
    ]);
    const table = await runCli(["status", "--repo", "octo-org/gone"], { env });
    expect(table.stdout).toContain("staging (unowned)");
    expect(table.stdout).toContain("no longer follow git");
  });

  it("gc --repo --dry-run lists what it would remove and keep, asks GitHub nothing of it, and changes nothing", async () => {
    const before = callCount(aws, "cloudformation", "DeleteStack");
    const run = await runCli(["gc", "--repo", "octo-org/gone", "--dry-run", "--json"], { env });
    expect(run.code, run.stderr).toBe(1);
    const gc = json<Gc>(run);
    expect(gc.repositories).toEqual([expect.objectContaining({ repository: "octo-org/gone", state: "unowned" })]);
    expect(gc.actions.map((a) => [a.kind, a.target, a.outcome]).sort()).toEqual([
      ["keep", stagingStack, "planned"],
      ["retire", "feature/x", "planned"],
    ]);
    expect(callCount(aws, "cloudformation", "DeleteStack")).toBe(before);
    expect(github.model.requests.filter((r) => r.path.includes("/repos/octo-org/gone"))).toEqual([]);
  });

  it("gc --repo removes its branch environments on the operator's word and keeps staging", async () => {
    const run = await runCli(["gc", "--repo", "octo-org/gone", "--json"], { env });
    expect(run.code, run.stderr).toBe(0);
    expect(
      json<Gc>(run)
        .actions.map((a) => [a.kind, a.outcome])
        .sort(),
    ).toEqual([
      ["keep", "done"],
      ["retire", "done"],
    ]);
    const stacks = await allStacks(aws.clients);
    expect(stacks.map((s) => s.StackName)).toEqual([stagingStack]);
    expect(tagsOf(stacks[0]!)["branchline:repository-state"]).toBe("unowned");
    expect(github.model.requests.filter((r) => r.path.includes("/repos/octo-org/gone"))).toEqual([]);
  });
});
