import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FakeGitHub } from "../support/fake-github.js";
import type { RunningApp } from "../support/branchline.js";
import {
  allStacks,
  bucketNames,
  callCount,
  mutationCount,
  pinnedCommits,
  tagsOf,
  type EmulatedAws,
} from "../support/aws.js";
import { createRef, deleteRef, pushDeletingBranch, pushTag, pushToBranch } from "../support/payloads.js";
import {
  A,
  B,
  C,
  closeScene,
  CONFIG,
  givenRepository as givenRepositoryIn,
  onlyStack as onlyStackIn,
  openScene,
  pipelineOf,
  TEMPLATE,
  TEMPLATE_PATH,
} from "../support/scenario.js";

let aws: EmulatedAws;
let github: FakeGitHub;
let app: RunningApp;

beforeEach(async () => ({ aws, github, app } = await openScene()));

afterEach(() => closeScene({ aws, github, app }));

function givenRepository(options: Parameters<typeof givenRepositoryIn>[1] = {}): void {
  givenRepositoryIn(github, options);
}

const onlyStack = () => onlyStackIn(aws);

describe("a branch push", () => {
  it("creates the branch's stack and starts one run for exactly the pushed commit", async () => {
    givenRepository();
    await app.deliver("push", pushToBranch("feature/login", A, { created: true }));
    await app.settle();

    const stack = await onlyStack();
    expect(stack.StackName).toMatch(/^branchline-shop-br-feature-login-[0-9a-f]{8}$/);
    expect(stack.StackStatus).toBe("CREATE_COMPLETE");
    expect(tagsOf(stack)).toMatchObject({
      "branchline:managed-by": "branchline",
      "branchline:repository": "octo-org/shop",
      "branchline:environment": "branch",
      "branchline:ref": "refs/heads/feature/login",
    });
    expect(tagsOf(stack)["branchline:template-hash"]).toMatch(/^[0-9a-f]{64}$/);
    expect(Object.fromEntries((stack.Parameters ?? []).map((p) => [p.ParameterKey, p.ParameterValue]))).toMatchObject({
      BranchlineRepository: "octo-org/shop",
      BranchlineRef: "refs/heads/feature/login",
      BranchlineSourceBranch: "feature/login",
      BranchlineEnvironmentKind: "branch",
      ConnectionArn: "arn:aws:codeconnections:us-east-1:123456789012:connection/0a1b2c3d",
    });
    expect(await pinnedCommits(aws.clients, pipelineOf(stack))).toEqual([A]);

    const [check, ...others] = github.checkRunsFor(A);
    expect(others).toHaveLength(0);
    expect(check!.name).toBe("branchline: branch/feature/login");
    expect(check!.history.map((h) => h.status)).toEqual(expect.arrayContaining(["queued", "in_progress", "completed"]));
    expect(check!.history[0]!.status).toBe("queued");
    expect(check!.status).toBe("completed");
    expect(check!.conclusion).toBe("success");
    expect(check!.external_id).toMatch(/.+/);
    expect(check!.output.summary).toContain(`Created stack ${stack.StackName}`);
    expect(check!.output.summary).toMatch(/\| added \| Pipeline \| AWS::CodePipeline::Pipeline \| no \|/);
    expect(check!.output.summary).toContain("console.aws.amazon.com/cloudformation");
    expect(check!.output.summary).toContain("console.aws.amazon.com/codesuite/codepipeline");
  });

  it("makes no stack update when template and parameters are unchanged, and goes straight to a run", async () => {
    givenRepository();
    await app.deliver("push", pushToBranch("feature/login", A, { created: true }));
    await app.settle();
    await app.deliver("push", pushToBranch("feature/login", B));
    await app.settle();

    const stack = await onlyStack();
    expect(callCount(aws, "cloudformation", "CreateChangeSet")).toBe(1);
    expect(callCount(aws, "cloudformation", "UpdateStack")).toBe(0);
    expect(await pinnedCommits(aws.clients, pipelineOf(stack))).toEqual([A, B]);
    const check = github.checkRunsFor(B)[0]!;
    expect(check.conclusion).toBe("success");
    expect(check.output.summary).not.toContain("Updated stack");
  });

  it("updates the stack through a change set when the template changes, listing what changed", async () => {
    givenRepository({ commits: [A] });
    github.file(B, TEMPLATE_PATH, TEMPLATE.replace("Status: Enabled", "Status: Suspended"));
    await app.deliver("push", pushToBranch("feature/login", A, { created: true }));
    await app.settle();
    await app.deliver("push", pushToBranch("feature/login", B));
    await app.settle();

    const stack = await onlyStack();
    expect(stack.StackStatus).toBe("UPDATE_COMPLETE");
    expect(callCount(aws, "cloudformation", "CreateChangeSet")).toBe(2);
    const check = github.checkRunsFor(B)[0]!;
    expect(check.output.summary).toContain(`Updated stack ${stack.StackName}`);
    expect(check.output.summary).toMatch(/\| modified \| ArtifactBucket \| AWS::S3::Bucket \|/);
    expect(await pinnedCommits(aws.clients, pipelineOf(stack))).toEqual([A, B]);
  });

  it("treats a forced push as a push", async () => {
    givenRepository();
    await app.deliver("push", pushToBranch("feature/login", A, { created: true }));
    await app.settle();
    await app.deliver("push", pushToBranch("feature/login", C, { forced: true }));
    await app.settle();
    expect(await pinnedCommits(aws.clients, pipelineOf(await onlyStack()))).toEqual([A, C]);
  });

  it("causes one stack operation and one run when the branch arrives as create and push", async () => {
    givenRepository();
    github.ref("refs/heads/feature/login", A);
    await Promise.all([
      app.deliver("create", createRef("branch", "feature/login")),
      app.deliver("push", pushToBranch("feature/login", A, { created: true })),
    ]);
    await app.settle();
    const stack = await onlyStack();
    expect(callCount(aws, "cloudformation", "CreateChangeSet")).toBe(1);
    expect(await pinnedCommits(aws.clients, pipelineOf(stack))).toEqual([A]);
    expect(github.checkRunsFor(A)).toHaveLength(1);
  });

  it("repeats nothing when GitHub redelivers the same webhook", async () => {
    givenRepository();
    const payload = pushToBranch("feature/login", A, { created: true });
    const id = await app.deliver("push", payload);
    await app.settle();
    await app.deliver("push", payload, id);
    await app.settle();
    expect(callCount(aws, "cloudformation", "CreateChangeSet")).toBe(1);
    expect(callCount(aws, "codepipeline", "StartPipelineExecution")).toBe(1);
    expect(github.checkRunsFor(A)).toHaveLength(1);
  });

  it("tells a commit replaced by a newer push before it ran that it was superseded", async () => {
    givenRepository();
    const first = pushToBranch("feature/login", A, { created: true });
    await app.deliver("push", first);
    await app.settle();
    // B and C were both pushed before B's webhook is worked: B's look finds the branch at C.
    github.ref("refs/heads/feature/login", C);
    await app.redeliver("push", pushToBranch("feature/login", B));
    await app.redeliver("push", pushToBranch("feature/login", C));
    await app.settle();
    expect(await pinnedCommits(aws.clients, pipelineOf(await onlyStack()))).toEqual([A, C]);
    const superseded = github.checkRunsFor(B);
    expect(superseded).toHaveLength(1);
    expect(superseded[0]!).toMatchObject({ status: "completed", conclusion: "neutral" });
    expect(superseded[0]!.output.summary).toContain(C.slice(0, 12));
  });
});

describe("a deleted branch", () => {
  it.each([
    ["a delete event", "delete", () => deleteRef("branch", "feature/login")],
    ["a push with deleted: true", "push", () => pushDeletingBranch("feature/login")],
  ])("is torn down completely after %s, its versioned bucket emptied first", async (_name, event, deletion) => {
    givenRepository();
    await app.deliver("push", pushToBranch("feature/login", A, { created: true }));
    await app.settle();
    const stack = await onlyStack();
    const [bucket] = (await bucketNames(aws.clients)).filter((b) => b.length > 0);
    expect(bucket).toBeTruthy();
    for (let i = 0; i < 3; i++) {
      await aws.clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "artifact.zip", Body: `version ${i}` }));
    }

    await app.deliver(event, deletion());
    await app.settle();

    expect(await allStacks(aws.clients)).toEqual([]);
    expect(await bucketNames(aws.clients)).not.toContain(bucket);
    expect(stack.StackStatus).toBe("CREATE_COMPLETE");
  });
});

describe("staging and production", () => {
  it("deploys the default branch, named by the repository, to staging with termination protection", async () => {
    givenRepository();
    github.file("trunk", ".github/branchline.yml", CONFIG);
    await app.deliver("push", pushToBranch("trunk", A, { defaultBranch: "trunk" }));
    await app.settle();
    const stack = await onlyStack();
    expect(stack.StackName).toMatch(/^branchline-shop-staging-[0-9a-f]{8}$/);
    expect(stack.EnableTerminationProtection).toBe(true);
    expect(tagsOf(stack)["branchline:environment"]).toBe("staging");
    expect(github.checkRunsFor(A)[0]!.name).toBe("branchline: staging");

    await app.deliver("delete", deleteRef("branch", "trunk", { defaultBranch: "trunk" }));
    await app.settle();
    expect(await allStacks(aws.clients)).toHaveLength(1);
  });

  it("deploys a release tag to production at the tag's commit, and never tears production down for a tag", async () => {
    // Promotion criteria (on the default branch, staging succeeded) have their own tests: test/app/promotion.test.ts.
    givenRepository({
      config: `${CONFIG}production:\n  requireOnDefaultBranch: false\n  requireStagingSuccess: false\n`,
    });
    await app.deliver("push", pushTag("v1.2.0", A));
    await app.settle();
    const stack = await onlyStack();
    expect(stack.StackName).toMatch(/^branchline-shop-production-[0-9a-f]{8}$/);
    expect(await pinnedCommits(aws.clients, pipelineOf(stack))).toEqual([A]);
    expect(github.checkRunsFor(A)[0]).toMatchObject({ name: "branchline: production", conclusion: "success" });

    await app.deliver("delete", deleteRef("tag", "v1.2.0"));
    await app.deliver("push", pushTag("v1.3.0", B));
    await app.settle();
    expect((await allStacks(aws.clients)).map((s) => s.StackName)).toEqual([stack.StackName]);
    // A new release is a run of the same stack, not a stack update.
    expect(callCount(aws, "cloudformation", "CreateChangeSet")).toBe(1);
    expect(await pinnedCommits(aws.clients, pipelineOf(stack))).toEqual([A, B]);
  });

  it("treats a branch named like a release as a branch", async () => {
    givenRepository();
    await app.deliver("push", pushToBranch("v1.2.3", A, { created: true }));
    await app.settle();
    expect(tagsOf(await onlyStack())["branchline:environment"]).toBe("branch");
  });
});

describe("events that cause nothing", () => {
  it.each([
    ["a repository without a config file", null, () => pushToBranch("feature/login", A)],
    ["a tag that does not match releaseTags", CONFIG, () => pushTag("nightly", A)],
    [
      "a branch excluded by config",
      `${CONFIG}branches:\n  exclude: ["dependabot/**"]\n`,
      () => pushToBranch("dependabot/npm/lodash", A),
    ],
    ["a fork", CONFIG, () => pushToBranch("feature/login", A, { fork: true })],
  ])("%s", async (_name, config, payload) => {
    givenRepository({ config });
    await app.deliver("push", payload());
    await app.settle();
    expect(callCount(aws, "cloudformation")).toBe(0);
    expect(callCount(aws, "codepipeline")).toBe(0);
    expect(github.checkRuns).toEqual([]);
  });
});

describe("problems are reported on the commit and change nothing in AWS", () => {
  it("names the config file, line and field of an invalid config", async () => {
    givenRepository({ config: "stackPrefix: My-Prefix\nbranchs:\n  include: feature/*\n" });
    await app.deliver("push", pushToBranch("feature/login", A));
    await app.settle();
    expect(callCount(aws, "cloudformation")).toBe(0);
    const [check] = github.checkRunsFor(A);
    expect(check).toMatchObject({ name: "branchline: config", status: "completed", conclusion: "failure" });
    expect(check!.output.summary).toContain("`.github/branchline.yml:1:1` `stackPrefix`");
    expect(check!.output.summary).toContain("`.github/branchline.yml:2:1` `branchs`: unknown field");
  });

  it("says where the template should be when it is missing", async () => {
    givenRepository({ commits: [] });
    await app.deliver("push", pushToBranch("feature/login", A));
    await app.settle();
    // Reads only: a stack of the repository under another name (a rename) is looked for, nothing is made.
    expect(mutationCount(aws, "cloudformation")).toBe(0);
    const check = github.checkRunsFor(A)[0]!;
    expect(check).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(check.output.title).toBe("Pipeline template not found");
    expect(check.output.summary).toContain(`\`${TEMPLATE_PATH}:1:1\`: no such file at this commit`);
  });

  it("names the line of a template that is not valid YAML", async () => {
    givenRepository({ template: "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n  Bad: [unclosed\n" });
    await app.deliver("push", pushToBranch("feature/login", A));
    await app.settle();
    // Reads only: a stack of the repository under another name (a rename) is looked for, nothing is made.
    expect(mutationCount(aws, "cloudformation")).toBe(0);
    const check = github.checkRunsFor(A)[0]!;
    expect(check.conclusion).toBe("failure");
    expect(check.output.summary).toMatch(new RegExp(`\`${TEMPLATE_PATH}:\\d+:\\d+\``));
  });

  it("names a configured parameter the template does not declare", async () => {
    givenRepository({ config: `${CONFIG}    Colour: blue\n` });
    await app.deliver("push", pushToBranch("feature/login", A));
    await app.settle();
    // Reads only: a stack of the repository under another name (a rename) is looked for, nothing is made.
    expect(mutationCount(aws, "cloudformation")).toBe(0);
    const check = github.checkRunsFor(A)[0]!;
    expect(check.output.title).toBe("Parameters do not match the template");
    expect(check.output.summary).toContain("parameter Colour is configured for branch environments, but");
  });

  it("quotes the stack events that explain a failed create", async () => {
    givenRepository();
    aws.emulator.control.failStack({
      stackName: "branchline-shop-br-*",
      operation: "create",
      resource: "PipelineRole",
      reason: "Role policy is malformed",
    });
    await app.deliver("push", pushToBranch("feature/login", A));
    await app.settle();
    const check = github.checkRunsFor(A)[0]!;
    expect(check).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(check.output.title).toBe("Stack operation failed");
    expect(check.output.summary).toContain("**PipelineRole** (AWS::IAM::Role) CREATE_FAILED: Role policy is malformed");
    expect(callCount(aws, "codepipeline", "StartPipelineExecution")).toBe(0);
  });
});
