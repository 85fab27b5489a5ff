import { describe, expect, it } from "vitest";
import type { Environment } from "../../src/core/environment.js";
import { planReconcile, planRetirement, type ManagedEnvironment } from "../../src/core/reconcile-plan.js";
import type { StackCondition } from "../../src/core/stack-state.js";

const RULES = { branches: { include: ["**"], exclude: ["dependabot/**"] }, releaseTags: ["v[0-9]*"] };
const A = "a".repeat(40);
const B = "b".repeat(40);

function managed(
  environment: Environment,
  options: Partial<Omit<ManagedEnvironment, "environment">> = {},
): ManagedEnvironment {
  return {
    stackName: `stack-${environment.kind}`,
    environment,
    condition: "ready",
    lastRunId: "run-1",
    lastRunCommit: A,
    lastRunReported: true,
    runsInProgress: [],
    pipeline: `pipeline-${environment.kind}`,
    state: null,
    repository: "octo-org/shop",
    ...options,
  };
}

const feature: Environment = { kind: "branch", branch: "feature/x" };
const staging: Environment = { kind: "staging", branch: "main" };

describe("planReconcile", () => {
  it("plans nothing when every branch's stack ran its head and was reported", () => {
    expect(
      planReconcile(
        [
          { name: "main", commit: A },
          { name: "feature/x", commit: A },
        ],
        "main",
        RULES,
        [managed(staging), managed(feature)],
      ),
    ).toEqual([]);
  });

  it("deploys a branch without a stack, the default branch as staging", () => {
    const actions = planReconcile(
      [
        { name: "main", commit: A },
        { name: "feature/x", commit: B },
      ],
      "main",
      RULES,
      [],
    );
    expect(actions).toEqual([
      { kind: "deploy", ref: { type: "branch", name: "main" }, commit: A, reason: "the environment has no stack" },
      { kind: "deploy", ref: { type: "branch", name: "feature/x" }, commit: B, reason: "the environment has no stack" },
    ]);
  });

  it("skips branches excluded by config", () => {
    expect(planReconcile([{ name: "dependabot/npm/x", commit: A }], "main", RULES, [])).toEqual([]);
  });

  it("redeploys a branch whose head never ran", () => {
    const [action] = planReconcile([{ name: "feature/x", commit: B }], "main", RULES, [
      managed(feature, { lastRunCommit: A }),
    ]);
    expect(action).toMatchObject({ kind: "deploy", commit: B });
    expect(action!.reason).toContain("the last run was for aaaaaaaaaaaa");
  });

  it.each<[StackCondition, boolean]>([
    ["failed-create", true],
    ["rollback-failed", true],
    ["delete-failed", true],
    ["absent", true],
    ["ready", false],
    ["busy", false],
  ])("a stack that is %s at the head: deploy = %s", (condition, deploys) => {
    const actions = planReconcile([{ name: "feature/x", commit: A }], "main", RULES, [managed(feature, { condition })]);
    expect(actions.some((a) => a.kind === "deploy")).toBe(deploys);
  });

  it("deploys a busy stack whose branch moved while it was busy (the lane waits for the operation)", () => {
    const actions = planReconcile([{ name: "feature/x", commit: B }], "main", RULES, [
      managed(feature, { condition: "busy", lastRunCommit: A }),
    ]);
    expect(actions).toEqual([expect.objectContaining({ kind: "deploy", commit: B })]);
  });

  it("deploys a busy stack that never ran (its process died mid-create)", () => {
    const actions = planReconcile([{ name: "feature/x", commit: B }], "main", RULES, [
      managed(feature, { condition: "busy", lastRunId: undefined, lastRunCommit: undefined }),
    ]);
    expect(actions).toEqual([expect.objectContaining({ kind: "deploy", commit: B })]);
  });

  it("destroys the stack of a branch that is gone, never staging or production", () => {
    const production = managed({ kind: "production", tag: "" });
    const actions = planReconcile([{ name: "main", commit: A }], "main", RULES, [
      managed(staging),
      managed(feature),
      production,
    ]);
    expect(actions).toEqual([
      {
        kind: "destroy",
        ref: { type: "branch", name: "feature/x" },
        stackName: "stack-branch",
        reason: "branch feature/x no longer exists",
      },
    ]);
  });

  it("never deploys production", () => {
    expect(
      planReconcile([{ name: "main", commit: A }], "main", RULES, [
        managed(staging),
        managed({ kind: "production", tag: "" }, { condition: "failed-create" }),
      ]),
    ).toEqual([]);
  });

  it("resumes runs in progress, and the newest run when its end was not reported", () => {
    const actions = planReconcile([{ name: "feature/x", commit: A }], "main", RULES, [
      managed(feature, { runsInProgress: ["run-2"], lastRunId: "run-2" }),
      managed(staging, { lastRunReported: false }),
    ]);
    expect(actions).toEqual([
      { kind: "resume", pipeline: "pipeline-branch", executionId: "run-2", reason: "a run is in progress" },
      {
        kind: "resume",
        pipeline: "pipeline-staging",
        executionId: "run-1",
        reason: "the newest run ended without being reported",
      },
    ]);
  });
});

describe("planReconcile when the default branch changed", () => {
  it("moves staging to the new default branch even when its head already ran there", () => {
    const actions = planReconcile(
      [
        { name: "develop", commit: A },
        { name: "main", commit: A },
      ],
      "develop",
      RULES,
      [managed(staging)],
    );
    expect(actions).toEqual([
      {
        kind: "deploy",
        ref: { type: "branch", name: "develop" },
        commit: A,
        reason: "staging follows main, but the default branch is now develop",
        follow: true,
      },
      { kind: "deploy", ref: { type: "branch", name: "main" }, commit: A, reason: "the environment has no stack" },
    ]);
  });

  it("retires the branch environment of the branch that became the default", () => {
    const develop: Environment = { kind: "branch", branch: "develop" };
    const actions = planReconcile([{ name: "develop", commit: A }], "develop", RULES, [
      managed({ kind: "staging", branch: "develop" }),
      managed(develop, { stackName: "stack-develop" }),
    ]);
    expect(actions).toEqual([
      {
        kind: "retire",
        ref: { type: "branch", name: "develop" },
        stackName: "stack-develop",
        reason: "develop is now the default branch, which staging deploys",
      },
    ]);
  });

  it("clears the mark of a stack whose repository is followed again, and not of one whose branch is gone", () => {
    const actions = planReconcile([{ name: "main", commit: A }], "main", RULES, [
      managed(staging, { state: "unowned" }),
      managed(feature, { state: "unowned" }),
    ]);
    expect(actions.map((a) => [a.kind, "stackName" in a ? a.stackName : ""])).toEqual([
      ["mark", "stack-staging"],
      ["destroy", "stack-branch"],
    ]);
  });
});

describe("planRetirement", () => {
  const production: Environment = { kind: "production", tag: "" };
  const all = [managed(staging), managed(feature), managed(production, { stackName: "stack-production" })];

  it.each(["archived", "deleted"] as const)(
    "%s: tears branch environments down, keeps and marks staging and production",
    (state) => {
      expect(planRetirement(all, state)).toEqual([
        { kind: "mark", stackName: "stack-staging", environment: staging, state, reason: `the repository is ${state}` },
        {
          kind: "keep",
          stackName: "stack-staging",
          reason: "staging is kept (termination protection); remove it by hand if it is no longer wanted",
        },
        {
          kind: "retire",
          ref: { type: "branch", name: "feature/x" },
          stackName: "stack-branch",
          reason: `the repository is ${state}`,
        },
        {
          kind: "mark",
          stackName: "stack-production",
          environment: production,
          state,
          reason: `the repository is ${state}`,
        },
        {
          kind: "keep",
          stackName: "stack-production",
          reason: "production is kept (termination protection); remove it by hand if it is no longer wanted",
        },
      ]);
    },
  );

  it("unowned: deletes nothing, marks everything", () => {
    expect(planRetirement(all, "unowned").map((a) => [a.kind, "stackName" in a ? a.stackName : ""])).toEqual([
      ["mark", "stack-staging"],
      ["keep", "stack-staging"],
      ["mark", "stack-branch"],
      ["mark", "stack-production"],
      ["keep", "stack-production"],
    ]);
  });

  it("unowned with an operator's word: tears the branch environments down", () => {
    expect(
      planRetirement(all, "unowned", { teardown: true })
        .filter((a) => a.kind === "retire")
        .map((a) => a.stackName),
    ).toEqual(["stack-branch"]);
  });

  it("marks nothing twice", () => {
    expect(planRetirement([managed(staging, { state: "unowned" })], "unowned").map((a) => a.kind)).toEqual(["keep"]);
  });
});

describe("planReconcile after a rename or transfer", () => {
  it("brings every stack tagged with the old name to the new one, without asking for new runs", () => {
    const actions = planReconcile(
      [
        { name: "main", commit: A },
        { name: "feature/x", commit: A },
      ],
      "main",
      RULES,
      [managed(staging), managed(feature)],
      { repository: "octo-org/Store" },
    );
    expect(actions).toEqual([
      {
        kind: "deploy",
        ref: { type: "branch", name: "main" },
        commit: A,
        reason: "the repository is now octo-org/Store (it was octo-org/shop)",
        follow: true,
      },
      {
        kind: "deploy",
        ref: { type: "branch", name: "feature/x" },
        commit: A,
        reason: "the repository is now octo-org/Store (it was octo-org/shop)",
        follow: true,
      },
    ]);
  });

  it("a branch that moved meanwhile is deployed as usual, following the new name too", () => {
    const actions = planReconcile(
      [
        { name: "main", commit: A },
        { name: "feature/x", commit: B },
      ],
      "main",
      RULES,
      [managed(staging, { repository: "octo-org/store" }), managed(feature)],
      { repository: "octo-org/store" },
    );
    expect(actions).toEqual([
      {
        kind: "deploy",
        ref: { type: "branch", name: "feature/x" },
        commit: B,
        reason: `the branch is at ${B.slice(0, 12)} but the last run was for ${A.slice(0, 12)}`,
        follow: true,
      },
    ]);
  });

  it.each([
    { state: null, reason: "the repository is now octo-org/store (it was octo-org/shop)" },
    { state: "unowned" as const, reason: "the repository is now octo-org/store (it was octo-org/shop)" },
  ])(
    "production (state $state) is retagged with the new name, never deployed: a release is an explicit act",
    ({ state, reason }) => {
      const production: Environment = { kind: "production", tag: "v1.0.0" };
      const actions = planReconcile(
        [{ name: "main", commit: A }],
        "main",
        RULES,
        [managed(staging, { repository: "octo-org/store" }), managed(production, { state })],
        { repository: "octo-org/store" },
      );
      expect(actions).toEqual([
        { kind: "mark", stackName: "stack-production", environment: production, state: null, reason, follow: true },
      ]);
    },
  );

  it("a production stack that was never created is not retagged", () => {
    const production: Environment = { kind: "production", tag: "v1.0.0" };
    expect(
      planReconcile(
        [{ name: "main", commit: A }],
        "main",
        RULES,
        [managed(staging, { repository: "octo-org/store" }), managed(production, { condition: "absent" })],
        { repository: "octo-org/store" },
      ),
    ).toEqual([]);
  });

  it("a name that differs only in case is the same name", () => {
    expect(
      planReconcile([{ name: "main", commit: A }], "main", RULES, [managed(staging)], { repository: "Octo-Org/Shop" }),
    ).toEqual([]);
  });
});

describe("planReconcile: application stacks left after their pipeline stack", () => {
  const orphan = (branch: string) => ({
    stackName: `branchline-shop-br-${branch}-1a2b3c4d-app`,
    pipelineStack: `branchline-shop-br-${branch}-1a2b3c4d`,
    environment: { kind: "branch" as const, branch },
  });

  it("tears down the environment of a deleted branch whose application stack still runs", () => {
    expect(
      planReconcile([{ name: "main", commit: "m" }], "main", RULES, [], { orphans: [orphan("old")] }).filter(
        (a) => a.kind === "destroy",
      ),
    ).toEqual([
      {
        kind: "destroy",
        ref: { type: "branch", name: "old" },
        stackName: "branchline-shop-br-old-1a2b3c4d-app",
        reason:
          "branch old no longer exists; its application stack branchline-shop-br-old-1a2b3c4d-app is still running",
      },
    ]);
  });

  it("leaves one of a branch that exists (its deploy brings the pipeline back), and never staging's or production's", () => {
    const staging = {
      stackName: "branchline-shop-staging-1a2b3c4d-app",
      pipelineStack: "branchline-shop-staging-1a2b3c4d",
      environment: { kind: "staging" as const, branch: "main" },
    };
    const actions = planReconcile(
      [
        { name: "main", commit: "m" },
        { name: "live", commit: "l" },
      ],
      "main",
      RULES,
      [],
      { orphans: [orphan("live"), staging] },
    );
    expect(actions.filter((a) => a.kind === "destroy")).toEqual([]);
  });
});
