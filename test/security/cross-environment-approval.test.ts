import { afterEach, beforeEach, expect, it } from "vitest";
import { allStacks, callCount, tagsOf } from "../support/aws.js";
import type { FakeCheckRun } from "../support/fake-github.js";
import { checkRunEvent, pushTag, pushToBranch } from "../support/payloads.js";
import { APPROVAL_TEMPLATE } from "../support/repository-fixtures.js";
import { A, B, closeScene, CONFIG, givenRepository, openScene, type Scene } from "../support/scenario.js";

/**
 * Point 1, approvals: pressing **Approve** on a branch's check run answers only the branch's own
 * pipeline, under the branch's rules, never staging's or production's waiting approval. The attacker
 * (mallory, write access) makes her branch's template output the waiting pipeline's name, and her
 * check run reports that pipeline's execution (as it did when the output chose the pipeline).
 */
let scene: Scene;
beforeEach(async () => (scene = await openScene()));
afterEach(() => closeScene(scene));

const APPROVERS = `${CONFIG}production:\n  approval:\n    required: true\n    approvers:\n      users: [lead]\n`;
/** The approval stage in staging instead of production: staging's approvers are everyone with `write`. */
const STAGING_APPROVAL_TEMPLATE = APPROVAL_TEMPLATE.replace(
  "[!Ref BranchlineEnvironmentKind, production]",
  "[!Ref BranchlineEnvironmentKind, staging]",
);

function check(commit: string, name: string): FakeCheckRun | undefined {
  return scene.github
    .checkRunsFor(commit)
    .filter((c) => c.name === name)
    .at(-1);
}

async function pipelineOfKind(kind: "staging" | "production"): Promise<string> {
  const stack = (await allStacks(scene.aws.clients)).find((s) => tagsOf(s)["branchline:environment"] === kind);
  expect(stack).toBeDefined();
  return stack!.StackName!;
}

async function approvalStatus(pipeline: string, executionId: string): Promise<string | undefined> {
  const execution = scene.aws.emulator.control.executions(pipeline).find((e) => e.pipelineExecutionId === executionId);
  return execution?.actions.find((a) => a.stageName === "Approval")?.status;
}

/** The default branch at A, staging run on it. */
async function mainAt(): Promise<void> {
  scene.github.ref("main", A);
  await scene.app.deliver("push", pushToBranch("main", A));
  await scene.app.settle();
}

/** Mallory's branch, its template pointing its output at `pipeline`; then her Approve on its check run reporting `executionId`. */
async function approveFromBranch(pipeline: string, executionId: string, template: string): Promise<FakeCheckRun> {
  const { github, app } = scene;
  github.file(
    B,
    ".github/branchline/pipeline.yml",
    template.replace("    Value: !Ref Pipeline", `    Value: ${pipeline}`),
  );
  await app.deliver("push", pushToBranch("feature/evil", B, { created: true }));
  // Not app.settle(): that waits for the followed run that waits for approval. The branch's refusal is its end.
  await expect.poll(() => check(B, "branchline: branch/feature/evil")?.conclusion, { timeout: 30_000 }).toBe("failure");
  const branch = check(B, "branchline: branch/feature/evil")!;
  const payload = checkRunEvent("requested_action", {
    id: branch.id,
    name: branch.name,
    headSha: B,
    headBranch: "feature/evil",
    identifier: "approve",
    user: "mallory",
  });
  (payload.check_run as { external_id: string | null }).external_id = executionId;
  // An approval is answered in the webhook handler (src/engine/approvals.ts): delivered is done.
  await app.deliver("check_run", payload);
  return branch;
}

it("does not answer production's waiting approval when Approve is pressed on a branch's check run", async () => {
  const { github, app, aws } = scene;
  givenRepository(github, { config: APPROVERS, template: APPROVAL_TEMPLATE, commits: [A, B] });
  github.repository.collaborator("lead", "write").collaborator("mallory", "write");
  await mainAt();
  github.ref("refs/tags/v1.0.0", A);
  await app.deliver("push", pushTag("v1.0.0", A));
  await expect
    .poll(() => check(A, "branchline: production")?.actions?.map((a) => a.identifier) ?? [], { timeout: 15_000 })
    .toEqual(["approve", "reject"]);
  const production = check(A, "branchline: production")!;
  const pipeline = await pipelineOfKind("production");
  const executionId = production.external_id!;
  expect(await approvalStatus(pipeline, executionId)).toBe("InProgress");

  await approveFromBranch(pipeline, executionId, APPROVAL_TEMPLATE);

  expect(callCount(aws, "codepipeline", "PutApprovalResult")).toBe(0);
  expect(await approvalStatus(pipeline, executionId)).toBe("InProgress");
  expect(check(A, "branchline: production")).toMatchObject({ status: "in_progress" });
  expect(check(A, "branchline: production")!.output.summary).not.toContain("mallory");
  // Answered by the one allowed to, on production's own check run: the run goes on.
  const payload = checkRunEvent("requested_action", {
    id: production.id,
    name: production.name,
    headSha: A,
    headBranch: "v1.0.0",
    identifier: "approve",
    user: "lead",
  });
  (payload.check_run as { external_id: string | null }).external_id = executionId;
  await app.deliver("check_run", payload);
  await app.settle();
  expect(callCount(aws, "codepipeline", "PutApprovalResult")).toBe(1);
  await expect.poll(() => check(A, "branchline: production")?.conclusion, { timeout: 30_000 }).toBe("success");
});

it("does not answer staging's waiting approval when Approve is pressed on a branch's check run", async () => {
  const { github, aws } = scene;
  givenRepository(github, { template: STAGING_APPROVAL_TEMPLATE, commits: [A, B] });
  github.repository.collaborator("mallory", "write");
  github.ref("main", A);
  await scene.app.deliver("push", pushToBranch("main", A));
  await expect
    .poll(() => check(A, "branchline: staging")?.actions?.map((a) => a.identifier) ?? [], { timeout: 15_000 })
    .toEqual(["approve", "reject"]);
  const staging = check(A, "branchline: staging")!;
  const pipeline = await pipelineOfKind("staging");
  const executionId = staging.external_id!;
  expect(await approvalStatus(pipeline, executionId)).toBe("InProgress");

  await approveFromBranch(pipeline, executionId, STAGING_APPROVAL_TEMPLATE);

  expect(callCount(aws, "codepipeline", "PutApprovalResult")).toBe(0);
  expect(await approvalStatus(pipeline, executionId)).toBe("InProgress");
  expect(check(A, "branchline: staging")).toMatchObject({ status: "in_progress" });
  // Staging's approval is answered from staging's own check run (rejected here, so the scene ends).
  const payload = checkRunEvent("requested_action", {
    id: staging.id,
    name: staging.name,
    headSha: A,
    headBranch: "main",
    identifier: "reject",
    user: "mallory",
  });
  (payload.check_run as { external_id: string | null }).external_id = executionId;
  await scene.app.deliver("check_run", payload);
  await scene.app.settle();
  expect(callCount(aws, "codepipeline", "PutApprovalResult")).toBe(1);
  await expect.poll(() => check(A, "branchline: staging")?.conclusion, { timeout: 30_000 }).toBe("failure");
});
