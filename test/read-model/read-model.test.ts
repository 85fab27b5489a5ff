import { describe, expect, it } from "vitest";
import type { StackSnapshot } from "../../src/core/stack-snapshot.js";
import { evaluateRequiredChecks } from "../../src/core/required-checks.js";
import { environmentFromLabel, environmentKey } from "../../src/read-model/environment-key.js";
import { deploymentFact, environmentViews, newestDeployments } from "../../src/read-model/environments.js";
import { ledgerLines } from "../../src/read-model/ledger.js";
import { commitReadiness } from "../../src/read-model/readiness.js";
import type { RunSummary } from "../../src/read-model/run-index.js";
import { aggregateLog, buildLines, pipelineLines, stackLines } from "../../src/read-model/run-log.js";
import { readableSummary, stageStatus } from "../../src/read-model/run-view.js";

const A = "a".repeat(40);
const B = "b".repeat(40);

function stack(name: string, environment: string, ref: string, repository = "octo-org/shop"): StackSnapshot {
  return {
    name,
    status: "UPDATE_COMPLETE",
    statusReason: undefined,
    tags: {
      "branchline:managed-by": "branchline",
      "branchline:repository": repository,
      "branchline:environment": environment,
      "branchline:ref": ref,
    },
    // The template's word: branchline names the pipeline after the stack and never reads this.
    outputs: { PipelineName: "other" },
    parameters: {},
    terminationProtection: false,
    updatedAt: "2026-01-01T00:00:00.000Z",
  };
}

const run = (
  executionId: string,
  status: string,
  commit: string | null,
  trigger = "StartPipelineExecution",
): RunSummary => ({ executionId, status, commit, trigger, startedAt: "2026-01-02T00:00:00.000Z", updatedAt: null });

describe("the repository page's rows", () => {
  it("are this repository's stacks only, production and staging first, each with its newest run (of the pipeline named after its stack) and deployment", () => {
    const stacks = [
      stack("s-b", "branch", "refs/heads/zeta"),
      stack("s-a", "branch", "refs/heads/alpha"),
      stack("s-st", "staging", "refs/heads/main"),
      stack("s-pr", "production", "refs/tags/"),
      stack("other", "branch", "refs/heads/x", "octo-org/else"),
    ];
    const deployments = newestDeployments([
      deploymentFact({
        id: 2,
        environment: "branch/alpha",
        sha: A,
        created_at: "2026-01-02T00:00:00Z",
        payload: { executionId: "e-a", actor: "alice" },
      }),
      deploymentFact({ id: 1, environment: "branch/alpha", sha: B, created_at: "2026-01-01T00:00:00Z", payload: {} }),
    ]);
    // `other` is another repository's pipeline, which every stack here names in its output.
    const runs = new Map([
      ["s-a", run("e-a", "Succeeded", A)],
      ["s-st", null],
      ["other", run("e-other", "Succeeded", B)],
    ]);
    const views = environmentViews({
      repo: { owner: "octo-org", name: "shop" },
      region: "eu-west-1",
      githubWeb: "https://github.com",
      stacks,
      deployments,
      runs,
      ttlMs: null,
    });
    expect(views.map((v) => v.label)).toEqual(["production", "staging", "branch/alpha", "branch/zeta"]);
    const alpha = views[2]!;
    expect(alpha).toMatchObject({
      commit: A,
      pushedBy: "alice",
      lastRun: { status: "Succeeded" },
      links: { commit: `https://github.com/octo-org/shop/commit/${A}` },
    });
    expect(alpha.links.pipeline).toContain("eu-west-1.console.aws.amazon.com/codesuite/codepipeline/pipelines/s-a/");
    expect(views[1]).toMatchObject({
      pipeline: "s-st",
      commit: null,
      lastRun: null,
      since: "2026-01-01T00:00:00.000Z",
    });
    expect(views.map((v) => v.pipeline)).toEqual(["s-pr", "s-st", "s-a", "s-b"]);
    expect(views.some((v) => v.lastRun?.executionId === "e-other")).toBe(false);
  });

  it.each<[string, Partial<StackSnapshot>, string, number | null, string | null]>([
    [
      "a branch under a ttl: its newest run's start plus the ttl",
      {},
      "branch",
      7 * 86_400_000,
      "2026-01-09T00:00:00.000Z",
    ],
    [
      "a branch that never ran: its creation plus the ttl",
      { name: "s-never-ran" },
      "branch",
      86_400_000,
      "2025-12-02T00:00:00.000Z",
    ],
    ["no ttl: never", {}, "branch", null, null],
    [
      "hibernated: never (until the next push)",
      { parameters: { BranchlineHibernate: "true" } },
      "branch",
      86_400_000,
      null,
    ],
    ["staging: never", {}, "staging", 86_400_000, null],
  ])("an environment's clock: %s", (_name, fields, kind, ttlMs, expiresAt) => {
    const created = {
      ...stack("s-a", kind, kind === "branch" ? "refs/heads/alpha" : "refs/heads/main"),
      createdAt: new Date("2025-12-01T00:00:00.000Z"),
      ...fields,
    };
    const runs = new Map([["s-a", run("e-a", "Succeeded", A)]]);
    const [view] = environmentViews({
      repo: { owner: "octo-org", name: "shop" },
      region: "eu-west-1",
      githubWeb: "https://github.com",
      stacks: [created],
      deployments: new Map(),
      runs,
      ttlMs,
    });
    expect(view!.createdAt).toBe("2025-12-01T00:00:00.000Z");
    expect(view!.lastPushAt).toBe(runs.has(created.name) ? "2026-01-02T00:00:00.000Z" : "2025-12-01T00:00:00.000Z");
    expect(view!.expiresAt).toBe(expiresAt);
  });

  it.each<[string, string, unknown]>([
    ["staging", "main", { kind: "staging", branch: "main" }],
    ["production", "main", { kind: "production", tag: "" }],
    ["branch/feature/x", "main", { kind: "branch", branch: "feature/x" }],
    ["branch/", "main", null],
    ["prod", "main", null],
  ])("the label %s names %j", (label, defaultBranch, environment) => {
    expect(environmentFromLabel(decodeURIComponent(environmentKey(label)), defaultBranch)).toEqual(environment);
  });
});

describe("the ledger", () => {
  it("joins runs with their deployments by execution id and marks rollbacks", () => {
    const lines = ledgerLines(
      [run("e3", "Succeeded", A), run("e2", "Failed", B), run("e1", "Succeeded", A, "CreatePipeline")],
      [
        deploymentFact({
          id: 9,
          environment: "staging",
          sha: A,
          created_at: "x",
          payload: { executionId: "e3", rollbackOf: B },
        }),
        deploymentFact({
          id: 8,
          environment: "staging",
          sha: B,
          created_at: "x",
          payload: { executionId: "e2", actor: "bob" },
        }),
      ],
    );
    expect(lines.map((l) => [l.executionId, l.cause, l.who, l.outcome, l.rollbackOf])).toEqual([
      ["e3", `rollback after ${B.slice(0, 12)} failed`, null, "Succeeded", B],
      ["e2", "deployed by branchline", "bob", "Failed", null],
      ["e1", "pipeline created", null, "Succeeded", null],
    ]);
  });
});

describe("the aggregated log", () => {
  it("merges the pipeline's messages, stack events and build lines in time order, keeping each source's own order", () => {
    const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
    const log = aggregateLog(
      pipelineLines([
        {
          stage: "Build",
          action: "Build",
          provider: "CodeBuild",
          status: "Failed",
          startedAt: t(1),
          updatedAt: t(4),
          summary: undefined,
          error: "exit 1",
        },
      ]),
      stackLines([
        {
          stack: "s",
          at: t(0),
          logicalId: "Pipeline",
          resourceType: "AWS::CodePipeline::Pipeline",
          status: "UPDATE_COMPLETE",
          reason: undefined,
        },
      ]),
      buildLines([
        { origin: "Build / Build", at: t(1), text: "first" },
        { origin: "Build / Build", at: t(1), text: "second" },
        { origin: "Build / Build", at: t(3), text: "npm ERR! failed" },
      ]),
    );
    expect(log.map((l) => `${l.source}:${l.text}`)).toEqual([
      "stack:Pipeline (AWS::CodePipeline::Pipeline) UPDATE_COMPLETE",
      "pipeline:CodeBuild started",
      "build:first",
      "build:second",
      "build:npm ERR! failed",
      "pipeline:Failed: exit 1",
    ]);
    expect(log.filter((l) => l.level === "error").map((l) => l.source)).toEqual(["build", "pipeline"]);
  });

  it.each<[string[], string]>([
    [["Succeeded", "Succeeded"], "Succeeded"],
    [["Succeeded", "InProgress"], "InProgress"],
    [["Failed", "InProgress"], "Failed"],
    [["NotStarted"], "NotStarted"],
    [["Succeeded", "NotStarted"], "InProgress"],
    [["Abandoned"], "Abandoned"],
  ])("a stage of %j reads %s", (statuses, status) => {
    expect(stageStatus(statuses.map((s) => ({ status: s })))).toBe(status);
  });

  it("reads a source revision's JSON summary as its commit message", () => {
    expect(readableSummary('{"ProviderType":"GitHub","CommitMessage":"Add login"}')).toBe("Add login");
    expect(readableSummary("Build succeeded")).toBe("Build succeeded");
    expect(readableSummary(undefined)).toBeNull();
  });
});

describe("release readiness", () => {
  const criteria = {
    requireOnDefaultBranch: true,
    requireStagingSuccess: true,
    allowedTags: ["v*"],
    requiredChecks: [{ kind: "status" as const, context: "jenkins/build" }],
  };
  const facts = (staging: Parameters<typeof commitReadiness>[2]["staging"], jenkins: string | null) => ({
    commit: A,
    message: "Add login",
    author: "bob",
    committedAt: null,
    staging,
    requiredChecks: evaluateRequiredChecks(criteria.requiredChecks, {
      checkRuns: [],
      statuses: jenkins ? [{ context: "jenkins/build", state: jenkins, creator: null, url: null }] : [],
    }),
  });

  it("is ready when everything knowable before tagging is met; the tag's criteria wait for the tag", () => {
    const ready = commitReadiness(criteria, "main", facts({ kind: "succeeded" }, "success"));
    expect(ready.ready).toBe(true);
    expect(ready.criteria.map((c) => [c.key, c.met])).toEqual([
      ["on-default-branch", true],
      ["staging-success", true],
      ["required-check", true],
      ["allowed-tag", null],
    ]);
  });

  it("says who reported a required check's result", () => {
    const reported = commitReadiness(criteria, "main", {
      ...facts({ kind: "succeeded" }, null),
      requiredChecks: evaluateRequiredChecks(criteria.requiredChecks, {
        checkRuns: [],
        statuses: [{ context: "jenkins/build", state: "success", creator: "jenkins-bot", url: null }],
      }),
    });
    expect(reported.criteria.find((c) => c.key === "required-check")?.detail).toBe(
      "succeeded, reported by @jenkins-bot",
    );
  });

  it("lists what is missing: staging red, a required check not reported", () => {
    const red = commitReadiness(criteria, "main", facts({ kind: "concluded", conclusion: "failure" }, null));
    expect(red.ready).toBe(false);
    expect(red.criteria.filter((c) => c.met === false).map((c) => c.detail)).toEqual([
      `staging's run of commit ${A.slice(0, 12)} concluded failure, not success`,
      "has not been reported on this commit",
    ]);
  });
});
