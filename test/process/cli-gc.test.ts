import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRun } from "../../src/aws/pipelines.js";
import type { PipelineName } from "../../src/core/naming.js";
import { allStacks, callCount, emulatedAws, type EmulatedAws } from "../support/aws.js";
import { startFakeGitHubServer, type FakeGitHubServer } from "../support/fake-github-server.js";
import { generateAppKeyPair } from "../support/processes.js";
import { GOOD_CONFIG, cliEnv, deployStack, json, runCli } from "../cli/support.js";

interface Gc {
  dryRun: boolean;
  managedStacks: number;
  repositories: { repository: string; state: string; note?: string }[];
  actions: {
    repository: string;
    kind: string;
    target: string;
    stack?: string;
    outcome: string;
    reason: string;
    error?: string;
  }[];
  errors: { repository: string; message: string }[];
}

const APP_ID = 9911;
const keys = generateAppKeyPair();
const MAIN = "a".repeat(40);
const LIVE = "b".repeat(40);
const MUTATIONS = [
  "CreateChangeSet",
  "ExecuteChangeSet",
  "DeleteStack",
  "UpdateStack",
  "CreateStack",
  "DeleteChangeSet",
];

describe("branchline gc, against the emulator and a fake GitHub", () => {
  let aws: EmulatedAws;
  let github: FakeGitHubServer;
  let env: Record<string, string | undefined>;
  let goneStack: string;
  let liveStack: string;

  beforeAll(async () => {
    aws = await emulatedAws();
    github = await startFakeGitHubServer({ appId: APP_ID, appPublicKey: keys.publicKey });
    github.model
      .repository("octo-org", "shop")
      .branch("main", MAIN)
      .branch("feature/live", LIVE)
      .file("main", ".github/branchline.yml", GOOD_CONFIG);
    github.model.repository("octo-org", "unconfigured").branch("main", MAIN);
    github.model.install(55, "octo-org");
    const shop = { owner: "octo-org", name: "shop" };
    liveStack = await deployStack(aws.clients, shop, { kind: "branch", branch: "feature/live" });
    goneStack = await deployStack(aws.clients, shop, { kind: "branch", branch: "feature/gone" });
    await deployStack(aws.clients, shop, { kind: "staging", branch: "main" });
    // Both surviving environments last ran their branch's head: nothing to redeploy there.
    const stacks = await allStacks(aws.clients);
    const reported = [
      [LIVE, liveStack, "branchline: branch/feature/live"],
      [MAIN, stacks.find((s) => s.StackName?.includes("-staging-"))!.StackName!, "branchline: staging"],
    ] as const;
    for (const [branchHead, stackName, checkName] of reported) {
      const executionId = await startRun(aws.clients.codepipeline, {
        pipeline: stackName as PipelineName,
        sourceAction: "Source",
        commit: branchHead,
        token: `gc-test-${branchHead.slice(0, 4)}`,
      });
      // ...and, as the app would have, reported its end on the commit's check run.
      github.model.checkRuns.push({
        id: 9_000 + github.model.checkRuns.length,
        repository: "octo-org/shop",
        name: checkName,
        head_sha: branchHead,
        app_id: github.model.ownAppId,
        status: "completed",
        conclusion: "success",
        external_id: executionId,
        details_url: null,
        started_at: null,
        completed_at: null,
        output: { title: "Pipeline succeeded", summary: "" },
        history: [],
      });
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

  it("--dry-run reports the stack of a deleted branch and changes nothing in AWS or on GitHub", async () => {
    const before = MUTATIONS.map((op) => callCount(aws, "cloudformation", op));
    const runsBefore = callCount(aws, "codepipeline", "StartPipelineExecution");
    const stacksBefore = (await allStacks(aws.clients)).map((s) => `${s.StackName} ${s.StackStatus}`).sort();
    const requestsBefore = github.model.requests.length;

    const run = await runCli(["gc", "--dry-run", "--json"], { env });
    expect(run.code, run.stderr).toBe(1); // actions pending
    const gc = json<Gc>(run);
    expect(gc).toMatchObject({ dryRun: true, managedStacks: 3, errors: [] });
    expect(gc.repositories).toEqual(
      expect.arrayContaining([
        { repository: "octo-org/shop", state: "planned" },
        { repository: "octo-org/unconfigured", state: "skipped", note: "no .github/branchline.yml" },
      ]),
    );
    expect(gc.actions).toEqual([
      {
        repository: "octo-org/shop",
        kind: "destroy",
        target: "feature/gone",
        stack: goneStack,
        reason: "branch feature/gone no longer exists",
        outcome: "planned",
      },
    ]);

    expect(MUTATIONS.map((op) => callCount(aws, "cloudformation", op))).toEqual(before);
    expect(callCount(aws, "codepipeline", "StartPipelineExecution")).toBe(runsBefore);
    expect((await allStacks(aws.clients)).map((s) => `${s.StackName} ${s.StackStatus}`).sort()).toEqual(stacksBefore);
    const writes = github.model.requests
      .slice(requestsBefore)
      .filter((r) => r.method !== "GET" && !/\/access_tokens$/.test(r.path));
    expect(writes).toEqual([]);
    expect(github.model.unexpected.filter((u) => !u.includes("/repos/octo-org/.github/"))).toEqual([]);
  });

  it("prints a summary without --json", async () => {
    const run = await runCli(["gc", "--dry-run"], { env });
    expect(run.code).toBe(1);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^REPOSITORY\s+ACTION\s+TARGET\s+OUTCOME\s+WHY$/);
    expect(lines[1]).toMatch(
      /^octo-org\/shop\s+destroy\s+feature\/gone\s+would do\s+branch feature\/gone no longer exists$/,
    );
    expect(lines.at(-1)).toMatch(
      /^Dry run: 1 repository checked \(1 without a valid config skipped\), 3 managed stacks in us-east-1; would 1 destroy; nothing was changed\.$/,
    );
    // Progress bars are for terminals only.
    expect(run.stderr).toBe("");
  });

  it("with GITHUB_TOKEN it needs --repo (exit 2); without AWS it is a usage error too", async () => {
    const token = await runCli(["gc", "--dry-run"], {
      env: { ...env, APP_ID: undefined, PRIVATE_KEY: undefined, GITHUB_TOKEN: "ghs_whatever_123456" },
    });
    expect(token.code).toBe(2);
    expect(token.stderr).toContain("gc needs --repo");
    const noAws = await runCli(["gc", "--dry-run"], {
      env: cliEnv({ ...github.env, GITHUB_TOKEN: "ghs_whatever_123456" }),
    });
    expect(noAws.code).toBe(2);
  });

  it("counts only branchline's own check runs: another App's check run of the same name does not say a run was reported", async () => {
    // feature/live's last run is reported by a check run of another App (a workflow's token can write one).
    const live = github.model.checkRuns.find((c) => c.name === "branchline: branch/feature/live")!;
    live.app_id = 4242;
    try {
      const run = await runCli(["gc", "--dry-run", "--json"], { env });
      expect(run.code, run.stderr).toBe(1);
      expect(json<Gc>(run).actions).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            kind: "resume",
            target: expect.stringMatching(new RegExp(`^${liveStack} `)),
            reason: "the newest run ended without being reported",
            outcome: "planned",
          }),
        ]),
      );
    } finally {
      live.app_id = github.model.ownAppId;
    }
  });

  it("with GITHUB_TOKEN but no APP_ID it refuses (exit 2), saying why: check runs could not be told apart", async () => {
    const token = await runCli(["gc", "--dry-run", "--repo", "octo-org/shop"], {
      env: { ...env, APP_ID: undefined, PRIVATE_KEY: undefined, GITHUB_TOKEN: "ghs_whatever_123456" },
    });
    expect(token.code).toBe(2);
    expect(token.stderr).toContain("with GITHUB_TOKEN, gc needs APP_ID");
  });

  it("without --dry-run deletes the deleted branch's stack through the app's engine (with the branch kind's App role), and the next pass has nothing to do", async () => {
    const role = (kind: string) => `arn:aws:iam::123456789012:role/branchline/app/App${kind}Role`;
    const withKindRoles = {
      ...env,
      BRANCHLINE_APP_BRANCH_ROLE_ARN: role("Branch"),
      BRANCHLINE_APP_STAGING_ROLE_ARN: role("Staging"),
      BRANCHLINE_APP_PRODUCTION_ROLE_ARN: role("Production"),
    };
    const assumed = callCount(aws, "sts", "AssumeRole");
    const run = await runCli(["gc", "--json"], { env: withKindRoles });
    // Only a branch environment changed: only the branch kind's role was assumed.
    expect(callCount(aws, "sts", "AssumeRole") - assumed).toBe(1);
    expect(run.code, run.stderr).toBe(0);
    const gc = json<Gc>(run);
    expect(gc.actions).toEqual([expect.objectContaining({ kind: "destroy", target: "feature/gone", outcome: "done" })]);
    const names = (await allStacks(aws.clients)).map((s) => s.StackName);
    expect(names).not.toContain(goneStack);
    expect(names).toContain(liveStack);

    const again = await runCli(["gc", "--dry-run", "--json"], { env });
    expect(again.code, again.stderr).toBe(0);
    expect(json<Gc>(again).actions).toEqual([]);
  });
});
