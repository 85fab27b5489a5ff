import { PutObjectCommand } from "@aws-sdk/client-s3";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { afterEach, beforeEach, expect, it } from "vitest";
import { kindClients, type KindRoleArns } from "../../src/aws/kind-clients.js";
import type { CallRecord } from "@branchline/aws-emulator";
import { allStacks, emulatedAws, pinnedCommits, tagsOf, type EmulatedAws } from "../support/aws.js";
import { startBranchline, type RunningApp } from "../support/branchline.js";
import { FakeGitHub } from "../support/fake-github.js";
import { checkRunEvent, deleteRef, pushTag, pushToBranch } from "../support/payloads.js";
import { APPROVAL_TEMPLATE } from "../support/repository-fixtures.js";
import { A, B, CONFIG, givenRepository } from "../support/scenario.js";

/**
 * Point 1, its last sentence: the App's own AWS permissions are separated per environment kind in
 * IAM, not only in code. With kind roles configured, every step that changes a kind's stack or
 * pipeline is signed by a session of that kind's role (assumed through STS with the real SDK
 * provider), never by the App's base credentials, never by another kind's role; what each role may
 * do is evaluated in test/security/iam-isolation.test.ts.
 */
const ACCOUNT = "123456789012";
const ROLES: KindRoleArns = {
  branch: `arn:aws:iam::${ACCOUNT}:role/branchline/app/AppBranchRole`,
  staging: `arn:aws:iam::${ACCOUNT}:role/branchline/app/AppStagingRole`,
  production: `arn:aws:iam::${ACCOUNT}:role/branchline/app/AppProductionRole`,
};
const BASE_KEY = "AKIDTESTEXAMPLE";
const READ = /^(Describe|List|Get)/;

let aws: EmulatedAws;
let github: FakeGitHub;
let app: RunningApp;
let calls: CallRecord[];

beforeEach(async () => {
  calls = [];
  aws = await emulatedAws({ onCall: (call) => void calls.push(call) });
  github = new FakeGitHub("octo-org", "shop").install();
  const settings = {
    region: aws.emulator.region,
    endpoint: aws.emulator.url,
    credentials: { accessKeyId: BASE_KEY, secretAccessKey: "test-secret-access-key" },
    maxAttempts: 3,
  };
  app = await startBranchline(aws.clients, { kindAws: kindClients(settings, aws.clients, ROLES) });
});

afterEach(async () => {
  await app.settle();
  github.assertClean();
  await aws.close();
});

/** The role whose session signed a call; "base" for the App's own credentials. */
function signer(call: CallRecord): string {
  if (call.caller === BASE_KEY) return "base";
  return aws.emulator.control.sessionOf(call.caller)?.roleArn ?? `unknown key ${call.caller}`;
}

/** Which role made each changing call on a target (a stack, pipeline or bucket name starting so). */
function mutationSigners(targetPrefix: string): Set<string> {
  return new Set(
    calls
      .filter((c) => c.target?.startsWith(targetPrefix) && !READ.test(c.operation) && c.service !== "sts")
      .map(signer),
  );
}

it("changes each kind's stacks and pipelines only with that kind's role, and tears a branch down with the branch role", async () => {
  givenRepository(github, { commits: [A, B] });
  github.ref("main", A);
  await app.deliver("push", pushToBranch("main", A));
  await app.deliver("push", pushToBranch("feature/login", B, { created: true }));
  await app.settle();

  const stacks = await allStacks(aws.clients);
  const staging = stacks.find((s) => tagsOf(s)["branchline:environment"] === "staging")!.StackName!;
  const branch = stacks.find((s) => tagsOf(s)["branchline:environment"] === "branch")!.StackName!;
  expect(await pinnedCommits(aws.clients, staging)).toEqual([A]);
  expect(await pinnedCommits(aws.clients, branch)).toEqual([B]);

  // Create, execute, start: every change to staging by staging's role, every change to the branch by the branch's.
  expect(mutationSigners(staging)).toEqual(new Set([ROLES.staging]));
  expect(mutationSigners(branch)).toEqual(new Set([ROLES.branch]));
  for (const operation of ["CreateChangeSet", "ExecuteChangeSet", "StartPipelineExecution"]) {
    expect(
      calls
        .filter((c) => c.operation === operation)
        .map(signer)
        .sort(),
    ).toEqual([ROLES.branch, ROLES.staging]);
  }

  // The teardown (emptying the artifact bucket, deleting the stack) is the branch role's too.
  const bucket = aws.emulator.control
    .stacks()
    .find((s) => s.stackName === branch)!
    .resources.find((r) => r.type === "AWS::S3::Bucket")?.physicalId;
  expect(bucket).toBeTruthy();
  await aws.clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "artifact.zip", Body: "built" }));
  await app.deliver("delete", deleteRef("branch", "feature/login"));
  await app.settle();
  expect((await allStacks(aws.clients)).map((s) => s.StackName)).toEqual([staging]);
  expect(calls.filter((c) => c.operation === "DeleteStack").map(signer)).toEqual([ROLES.branch]);
  expect(calls.filter((c) => c.operation === "DeleteObjects").map(signer)).toEqual([ROLES.branch]);
  expect(mutationSigners(branch)).toEqual(new Set([ROLES.branch]));

  // One session per kind, shared by that kind's clients, each assumed from the App's base credentials.
  const assumed = calls.filter((c) => c.operation === "AssumeRole");
  expect(assumed).toHaveLength(2);
  expect(assumed.every((c) => c.caller === BASE_KEY)).toBe(true);
});

it("starts, stops and approves production's pipeline only with production's role", async () => {
  givenRepository(github, {
    config: `${CONFIG}production:\n  approval:\n    required: true\n    approvers:\n      users: [lead]\n`,
    template: APPROVAL_TEMPLATE,
    commits: [A],
  });
  github.repository.collaborator("lead", "write");
  github.ref("main", A);
  await app.deliver("push", pushToBranch("main", A));
  await app.settle();
  github.ref("refs/tags/v1.0.0", A);
  await app.deliver("push", pushTag("v1.0.0", A));
  const production = () =>
    github
      .checkRunsFor(A)
      .filter((c) => c.name === "branchline: production")
      .at(-1);
  await expect
    .poll(() => production()?.actions?.map((a) => a.identifier) ?? [], { timeout: 15_000 })
    .toEqual(["approve", "reject"]);
  const check = production()!;
  const payload = checkRunEvent("requested_action", {
    id: check.id,
    name: check.name,
    headSha: A,
    headBranch: "v1.0.0",
    identifier: "approve",
    user: "lead",
  });
  (payload.check_run as { external_id: string | null }).external_id = check.external_id;
  await app.deliver("check_run", payload);
  await app.settle();
  expect(production()).toMatchObject({ status: "completed", conclusion: "success" });

  const stack = (await allStacks(aws.clients)).find(
    (s) => tagsOf(s)["branchline:environment"] === "production",
  )!.StackName!;
  expect(calls.filter((c) => c.operation === "PutApprovalResult").map(signer)).toEqual([ROLES.production]);
  // The run CodePipeline starts by itself on creation is stopped, and the release started, by production's role.
  expect(calls.filter((c) => c.operation === "StopPipelineExecution" && c.target === stack).map(signer)).toEqual([
    ROLES.production,
  ]);
  expect(calls.filter((c) => c.operation === "StartPipelineExecution" && c.target === stack).map(signer)).toEqual([
    ROLES.production,
  ]);
  expect(mutationSigners(stack)).toEqual(new Set([ROLES.production]));
});

it("assumes a kind role through the SDK's own provider against the emulator's STS", async () => {
  const settings = {
    region: aws.emulator.region,
    endpoint: aws.emulator.url,
    credentials: { accessKeyId: BASE_KEY, secretAccessKey: "x" },
    maxAttempts: 1,
  };
  const production = kindClients(settings, aws.clients, ROLES)("production");
  const credentials = await production.cloudformation.config.credentials();
  expect(credentials.accessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
  expect(credentials.sessionToken).toBeTruthy();
  const sts = new STSClient({ region: aws.emulator.region, endpoint: aws.emulator.url, credentials });
  expect((await sts.send(new GetCallerIdentityCommand({}))).Arn).toBe(
    `arn:aws:sts::${ACCOUNT}:assumed-role/AppProductionRole/branchline-production`,
  );
  // Without kind roles, every kind is the base clients (the sandbox, and tests that do not care).
  expect(kindClients(settings, aws.clients, undefined)("production")).toBe(aws.clients);
});
