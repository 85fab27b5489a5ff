import { afterEach, beforeEach, expect, it } from "vitest";
import type { FakeCheckRun } from "../support/fake-github.js";
import { allStacks } from "../support/aws.js";
import { checkRunEvent, deleteRef, pushTag, pushToBranch } from "../support/payloads.js";
import { APPROVAL_TEMPLATE } from "../support/repository-fixtures.js";
import { A, closeScene, CONFIG, givenRepository, openScene, type Scene } from "../support/scenario.js";

/**
 * Point 2, for the deployment of a run: the deployment an approval (and a resumed run) is recorded
 * on is found again by environment, commit and execution id, and must be one branchline's own App
 * created. Another App (a workflow's `github-actions`, with `deployments: write`) can create one with
 * the same environment, commit and payload; it must be ignored.
 */
const APPROVERS = `${CONFIG}production:\n  approval:\n    required: true\n    approvers:\n      users: [lead]\n`;
const ACTIONS_APP = { id: 15368, slug: "github-actions" };

let scene: Scene;
beforeEach(async () => (scene = await openScene()));
afterEach(() => closeScene(scene));

const production = (): FakeCheckRun | undefined =>
  scene.github
    .checkRunsFor(A)
    .filter((c) => c.name === "branchline: production")
    .at(-1);

it("records an approval on branchline's own deployment of the run, never on another App's deployment naming the same execution", async () => {
  const { aws, github, app } = scene;
  givenRepository(github, { config: APPROVERS, template: APPROVAL_TEMPLATE, commits: [A] });
  github.repository.collaborator("lead", "write");
  github.ref("main", A);
  await app.deliver("push", pushToBranch("main", A));
  await app.settle();
  github.ref("refs/tags/v1.0.0", A);
  await app.deliver("push", pushTag("v1.0.0", A));
  await expect
    .poll(() => production()?.actions?.map((a) => a.identifier) ?? [], { timeout: 15_000 })
    .toEqual(["approve", "reject"]);

  const stack = (await allStacks(aws.clients)).find((s) => s.StackName?.includes("-production-"))!;
  const [execution] = aws.emulator.control.executions(stack.StackName!);
  const ours = github.model.deploymentsFor("octo-org/shop", "production");
  expect(ours).toHaveLength(1);
  // A workflow plants a newer deployment of the same commit and environment whose payload names the execution.
  const planted = github.model.plantDeployment("octo-org/shop", {
    sha: A,
    environment: "production",
    login: "github-actions[bot]",
    state: "in_progress",
    payload: { executionId: execution!.pipelineExecutionId, pipeline: stack.StackName! },
    app: ACTIONS_APP,
  });
  const plantedStatuses = planted.statuses.length;

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
  expect(planted.statuses).toHaveLength(plantedStatuses);
  const own = ours[0]!;
  expect(own.statuses.map((s) => s.description)).toEqual(
    expect.arrayContaining([expect.stringMatching(/^Approved by @lead /)]),
  );
  expect(own.statuses.at(-1)!.state).toBe("success");
});

it("marks branchline's own deployment of a torn-down branch inactive, not a newer one another App planted", async () => {
  const { github, app } = scene;
  givenRepository(github, { commits: [A] });
  await app.deliver("push", pushToBranch("feature/login", A, { created: true }));
  await app.settle();
  const [ours] = github.model.deploymentsFor("octo-org/shop", "branch/feature/login");
  expect(ours!.statuses.at(-1)!.state).toBe("success");
  const planted = github.model.plantDeployment("octo-org/shop", {
    sha: A,
    environment: "branch/feature/login",
    login: "github-actions[bot]",
    state: "success",
    app: ACTIONS_APP,
  });

  await app.deliver("delete", deleteRef("branch", "feature/login"));
  await app.settle();

  expect(ours!.statuses.at(-1)!.state).toBe("inactive");
  expect(planted.statuses.map((s) => s.state)).toEqual(["success"]);
});
