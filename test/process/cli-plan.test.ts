import { ListChangeSetsCommand } from "@aws-sdk/client-cloudformation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allStacks, callCount, emulatedAws, type EmulatedAws } from "../support/aws.js";
import {
  CONNECTION_ARN,
  GOOD_CONFIG,
  SMALL_TEMPLATE,
  TEMPLATE_PATH,
  cliEnv,
  deployStack,
  goodRepo,
  json,
  runCli,
  tempRepo,
  type TempRepo,
} from "../cli/support.js";

interface Plan {
  repository: string;
  ref: string;
  intent: string;
  reason?: string;
  environment?: string;
  stack?: string;
  action: string;
  startsRun: boolean;
  parameters?: Record<string, string>;
  defaultBranch: string;
  defaultBranchSource: string;
  commit: string | null;
  aws: { observed: boolean; note?: string; stackStatus?: string | null; steps?: { kind: string }[] };
  changeSet?: {
    type: string;
    status: string;
    changes: { action: string; logicalId: string; resourceType: string }[];
    cleanedUp: string[];
  };
  problems: { file: string; line: number; message: string }[];
}

const repos: TempRepo[] = [];
afterAll(() => repos.forEach((r) => r.remove()));

describe("branchline plan, offline", () => {
  let repo: TempRepo;
  beforeAll(() => {
    repo = goodRepo({ remote: "git@github.com:octo-org/shop.git" });
    repos.push(repo);
    repo.git("add", ".");
    repo.git("commit", "-q", "-m", "init");
    repo.git("branch", "feature/login");
  });
  const plan = async (...args: string[]) => {
    const run = await runCli(["plan", ...args, "--json"], { cwd: repo.dir });
    expect(run.stderr).toBe("");
    return { code: run.code, plan: json<Plan>(run) };
  };

  it("a branch: its own environment and stack, every parameter, 'create or update' since AWS is not looked at", async () => {
    const { code, plan: p } = await plan("--ref", "feature/login");
    expect(code).toBe(0);
    expect(p).toMatchObject({
      repository: "octo-org/shop",
      ref: "refs/heads/feature/login",
      intent: "deploy",
      environment: "branch/feature/login",
      action: "create or update",
      startsRun: true,
      defaultBranch: "main",
      defaultBranchSource: "fallback",
      aws: { observed: false },
    });
    expect(p.stack).toMatch(/^branchline-shop-br-feature-login-[0-9a-f]{8}$/);
    expect(p.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(p.aws.note).toMatch(/no AWS configuration/);
    expect(p.parameters).toEqual({
      BranchlineRepository: "octo-org/shop",
      BranchlineRef: "refs/heads/feature/login",
      BranchlineSourceBranch: "feature/login",
      BranchlineEnvironmentKind: "branch",
      BranchlineEnvironment: expect.stringMatching(/^br-feature-login-[0-9a-f]{8}$/),
      BranchlinePipelineName: p.stack,
      ConnectionArn: CONNECTION_ARN,
    });
  });

  it("the default branch deploys staging; its default comes from --default-branch, else git's origin/HEAD", async () => {
    const { plan: flagged } = await plan("--ref", "refs/heads/trunk", "--default-branch", "trunk");
    expect(flagged).toMatchObject({
      environment: "staging",
      defaultBranchSource: "option",
      action: "create or update",
    });
    expect(flagged.stack).toMatch(/^branchline-shop-staging-[0-9a-f]{8}$/);

    repo.git("update-ref", "refs/remotes/origin/develop", "HEAD");
    repo.git("symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/develop");
    try {
      const { plan: fromGit } = await plan("--ref", "develop");
      expect(fromGit).toMatchObject({ environment: "staging", defaultBranch: "develop", defaultBranchSource: "git" });
      expect(fromGit.parameters?.BranchlineSourceBranch).toBe("develop");
      const { plan: main } = await plan("--ref", "main");
      expect(main.environment).toBe("branch/main");
    } finally {
      repo.git("symbolic-ref", "--delete", "refs/remotes/origin/HEAD");
    }
  });

  it("a release tag deploys production; a tag that does not match releaseTags, and a branch named like a tag, do not", async () => {
    const { plan: release } = await plan("--ref", "refs/tags/v1.2.0");
    expect(release).toMatchObject({ environment: "production", intent: "deploy", action: "create or update" });
    expect(release.parameters?.BranchlineRef).toBe("refs/tags/");

    const { code, plan: other } = await plan("--ref", "refs/tags/nightly");
    expect(code).toBe(0);
    expect(other).toMatchObject({ intent: "ignore", action: "nothing", startsRun: false });
    expect(other.reason).toContain("does not match releaseTags");

    const { plan: branch } = await plan("--ref", "v1.2.0");
    expect(branch.environment).toBe("branch/v1.2.0");
  });

  it("an excluded branch: nothing, and why", async () => {
    const { plan: p } = await plan("--ref", "dependabot/npm/left-pad");
    expect(p).toMatchObject({ intent: "ignore", action: "nothing" });
    expect(p.reason).toContain("excluded by branches.include/exclude");
  });

  it("a deleted branch deletes its stack (even an excluded one); deleting the default branch or a tag does nothing", async () => {
    const { plan: gone } = await plan("--ref", "feature/login", "--event", "delete");
    expect(gone).toMatchObject({
      intent: "destroy",
      environment: "branch/feature/login",
      action: "delete",
      startsRun: false,
    });
    expect(gone.parameters).toBeUndefined();
    const { plan: excluded } = await plan("--ref", "dependabot/x", "--event", "delete");
    expect(excluded.action).toBe("delete");
    const { plan: main } = await plan("--ref", "main", "--event", "delete");
    expect(main).toMatchObject({ intent: "ignore", action: "nothing" });
    expect(main.reason).toContain("staging is never torn down");
    const { plan: tag } = await plan("--ref", "refs/tags/v1.0.0", "--event", "delete");
    expect(tag.reason).toContain("production is never torn down");
  });

  it("prints a readable plan without --json", async () => {
    const run = await runCli(["plan", "--ref", "feature/login", "--repo", "octo-org/web"], { cwd: repo.dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Repository\s+octo-org\/web$/m);
    expect(run.stdout).toMatch(/^Environment\s+branch\/feature\/login$/m);
    expect(run.stdout).toMatch(/^Action\s+create or update, then start a run$/m);
    expect(run.stdout).toMatch(/^ {2}ConnectionArn\s+arn:aws:codeconnections/m);
  });

  it("usage errors: no --ref, a ref that is not a branch or tag, no repository", async () => {
    expect((await runCli(["plan"], { cwd: repo.dir })).code).toBe(2);
    const pull = await runCli(["plan", "--ref", "refs/pull/1/head"], { cwd: repo.dir });
    expect(pull.code).toBe(2);
    expect(pull.stderr).toContain("branchline follows only branches and tags");
    const bare = tempRepo({ ".github/branchline.yml": GOOD_CONFIG, [TEMPLATE_PATH]: SMALL_TEMPLATE }, { remote: null });
    repos.push(bare);
    const noRepo = await runCli(["plan", "--ref", "x"], { cwd: bare.dir });
    expect(noRepo.code).toBe(2);
    expect(noRepo.stderr).toContain("pass --repo OWNER/NAME");
  });

  it("config and template problems: exit 1, the problems located, and the plan says nothing happens", async () => {
    const broken = tempRepo({ ".github/branchline.yml": "parameters:\n  all: {}\n", [TEMPLATE_PATH]: SMALL_TEMPLATE });
    repos.push(broken);
    const run = await runCli(["plan", "--ref", "x", "--json"], { cwd: broken.dir });
    expect(run.code).toBe(1);
    const p = json<Plan>(run);
    expect(p.action).toBe("nothing");
    expect(p.problems).toEqual([
      expect.objectContaining({
        file: TEMPLATE_PATH,
        message: expect.stringContaining("parameter ConnectionArn has no Default and no value"),
      }),
    ]);
  });
});

describe("branchline plan, with AWS (the loopback emulator)", () => {
  let aws: EmulatedAws;
  let repo: TempRepo;
  let env: Record<string, string | undefined>;
  const owner = { owner: "octo-org", name: "shop" };

  beforeAll(async () => {
    aws = await emulatedAws();
    repo = goodRepo();
    repos.push(repo);
    env = cliEnv({
      AWS_ENDPOINT_URL: aws.emulator.url,
      AWS_REGION: aws.emulator.region,
      AWS_ACCESS_KEY_ID: "AKIDCLITEST",
      AWS_SECRET_ACCESS_KEY: "cli-test-secret-key",
    });
  });
  afterAll(() => aws?.close());

  const plan = async (...args: string[]) => {
    const run = await runCli(["plan", ...args, "--json"], { cwd: repo.dir, env });
    return { run, plan: json<Plan>(run) };
  };

  it("a missing stack: create, with the CREATE change set shown, then the change set and its REVIEW_IN_PROGRESS stack deleted", async () => {
    const { run, plan: p } = await plan("--ref", "feature/new");
    expect(run.code, run.stderr).toBe(0);
    expect(p.aws).toMatchObject({ observed: true, stackStatus: null });
    expect(p.action).toBe("create");
    expect(p.startsRun).toBe(true);
    expect(p.changeSet).toMatchObject({ type: "CREATE", status: "ready" });
    expect(p.changeSet!.changes.map((c) => `${c.action} ${c.logicalId}`)).toEqual(
      expect.arrayContaining(["Add ArtifactBucket", "Add PipelineRole", "Add Pipeline"]),
    );
    expect(p.changeSet!.cleanedUp).toEqual([
      expect.stringMatching(/^change set branchline-cli-plan-/),
      `stack ${p.stack} (REVIEW_IN_PROGRESS)`,
    ]);
    // Never executed, and nothing left behind.
    expect(callCount(aws, "cloudformation", "ExecuteChangeSet")).toBe(0);
    expect((await allStacks(aws.clients)).map((s) => s.StackName)).not.toContain(p.stack);
  });

  it("an existing stack: nothing when template and parameters are unchanged, update (with the change set) when they change", async () => {
    const stack = await deployStack(aws.clients, owner, { kind: "branch", branch: "feature/live" });
    const executes = callCount(aws, "cloudformation", "ExecuteChangeSet");

    const same = await plan("--ref", "feature/live");
    expect(same.run.code, same.run.stderr).toBe(0);
    expect(same.plan).toMatchObject({
      stack,
      action: "nothing",
      startsRun: true,
      aws: { observed: true, stackStatus: "CREATE_COMPLETE" },
    });
    expect(same.plan.changeSet).toBeUndefined();

    repo.write(
      TEMPLATE_PATH,
      SMALL_TEMPLATE.replace("Default: aws/codebuild/standard:7.0", "Default: aws/codebuild/standard:8.0").replace(
        "Status: Enabled",
        "Status: Suspended",
      ),
    );
    try {
      const changed = await plan("--ref", "feature/live");
      expect(changed.run.code, changed.run.stderr).toBe(0);
      expect(changed.plan.action).toBe("update");
      expect(changed.plan.changeSet).toMatchObject({ type: "UPDATE", status: "ready" });
      expect(changed.plan.changeSet!.changes).toEqual(
        expect.arrayContaining([expect.objectContaining({ action: "Modify", logicalId: "ArtifactBucket" })]),
      );
      expect(changed.plan.changeSet!.cleanedUp).toHaveLength(1);
      const left = await aws.clients.cloudformation.send(new ListChangeSetsCommand({ StackName: stack }));
      expect(left.Summaries ?? []).toEqual([]);
      const after = (await allStacks(aws.clients)).find((s) => s.StackName === stack);
      expect(after?.StackStatus).toBe("CREATE_COMPLETE");
      expect(callCount(aws, "cloudformation", "ExecuteChangeSet")).toBe(executes);

      const human = await runCli(["plan", "--ref", "feature/live"], { cwd: repo.dir, env });
      expect(human.stdout).toMatch(/^Action\s+update, then start a run$/m);
      expect(human.stdout).toMatch(/^Change set \(UPDATE\)\s+\d+ resource changes?$/m);
      expect(human.stdout).toMatch(/^ {2}Modify\s+ArtifactBucket\s+AWS::S3::Bucket/m);
    } finally {
      repo.write(TEMPLATE_PATH, SMALL_TEMPLATE);
    }
  });

  it("a deleted branch with a stack: delete; without one: nothing", async () => {
    const stack = await deployStack(aws.clients, owner, { kind: "branch", branch: "feature/old" });
    const { plan: gone } = await plan("--ref", "feature/old", "--event", "delete");
    expect(gone).toMatchObject({ stack, action: "delete", aws: { observed: true, stackStatus: "CREATE_COMPLETE" } });
    expect(gone.changeSet).toBeUndefined();
    const { plan: never } = await plan("--ref", "feature/never", "--event", "delete");
    expect(never.action).toBe("nothing");
    expect((await allStacks(aws.clients)).find((s) => s.StackName === stack)?.StackStatus).toBe("CREATE_COMPLETE");
  });

  it("--offline, or an unreachable endpoint, falls back to 'create or update' and says why", async () => {
    const { plan: offline } = await plan("--ref", "feature/new", "--offline");
    expect(offline).toMatchObject({
      action: "create or update",
      aws: { observed: false, note: "not looked at (--offline)" },
    });
    const unreachable = await runCli(["plan", "--ref", "feature/new", "--json"], {
      cwd: repo.dir,
      env: { ...env, AWS_ENDPOINT_URL: "http://127.0.0.1:9" },
    });
    expect(unreachable.code, unreachable.stderr).toBe(0);
    expect(json<Plan>(unreachable)).toMatchObject({
      action: "create or update",
      aws: { observed: false, note: expect.stringContaining("AWS could not be reached") },
    });
  });
});
