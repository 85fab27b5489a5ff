import { describe, expect, it } from "vitest";
import { FEATURE_TARGET } from "../support/repository-fixtures.js";
import { environmentNames } from "../../src/core/naming.js";
import { renderCheckRun, type EnvironmentTarget } from "../../src/report/environment-report.js";
import { evaluateRequiredChecks, type RequiredCheck } from "../../src/core/required-checks.js";

const target = FEATURE_TARGET;
const repo = target.repo;

describe("renderCheckRun", () => {
  it("keeps notes to people above the summary in every phase", () => {
    const progress = {
      done: ["Created stack x"],
      changes: [],
      notes: ["@visitor pressed **Approve**, but was not allowed to"],
    };
    for (const phase of [
      { kind: "queued", why: "Reading the pipeline template." },
      { kind: "running", pipeline: "p", executionId: "e" },
      { kind: "finished", pipeline: "p", executionId: "e", status: "Succeeded" },
    ] as const) {
      expect(renderCheckRun(target, progress, phase).summary.startsWith("> @visitor pressed **Approve**")).toBe(true);
    }
  });

  it("says Sandbox where AWS is emulated", () => {
    const content = renderCheckRun(
      { ...target, sandbox: true },
      { done: [], changes: [] },
      { kind: "queued", why: "…" },
    );
    expect(content.summary).toContain("**Sandbox.**");
  });

  it("ends superseded and cancelled runs without failing the commit", () => {
    const progress = { done: [], changes: [] };
    expect(
      renderCheckRun(target, progress, { kind: "finished", pipeline: "p", executionId: "e", status: "Superseded" })
        .conclusion,
    ).toBe("neutral");
    expect(
      renderCheckRun(target, progress, { kind: "finished", pipeline: "p", executionId: "e", status: "Cancelled" })
        .conclusion,
    ).toBe("cancelled");
    expect(
      renderCheckRun(target, progress, { kind: "finished", pipeline: "p", executionId: "e", status: "Failed" })
        .conclusion,
    ).toBe("failure");
  });
  it("lists a push's resource changes most dangerous first, calling out a replaced stateful resource", () => {
    const changes = [
      { action: "Add", logicalId: "Uploads", resourceType: "AWS::S3::Bucket", replacement: undefined },
      { action: "Modify", logicalId: "Role", resourceType: "AWS::IAM::Role", replacement: "False" },
      { action: "Modify", logicalId: "Database", resourceType: "AWS::RDS::DBInstance", replacement: "True" },
    ] as const;
    const summary = renderCheckRun(
      target,
      { done: ["Updated stack x"], changes },
      { kind: "running", pipeline: "p", executionId: "e" },
    ).summary;
    expect(summary).toContain(":warning: Stateful resource `Database` (replaced): what it held is not carried over.");
    const rows = summary
      .split("\n")
      .filter((line) => /^\| (added|modified) \|/.test(line))
      .map((line) => line.split(" | ")[1]);
    expect(rows).toEqual(["Database", "Role", "Uploads"]);
  });

  it("lists every required check on production's check run, met or unmet, with who reported it and a link, whether the promotion passes or not", () => {
    const required: RequiredCheck[] = [
      { kind: "check-run", name: "ci / test", app: "777" },
      { kind: "status", context: "jenkins/build" },
      { kind: "status", context: "security/scan", creator: "scanner" },
    ];
    const results = evaluateRequiredChecks(required, {
      checkRuns: [
        {
          name: "ci / test",
          appSlug: "ci-app",
          appId: 777,
          status: "completed",
          conclusion: "success",
          url: "https://github.com/octo-org/shop/runs/5",
        },
      ],
      statuses: [
        {
          context: "jenkins/build",
          state: "failure",
          creator: "jenkins-bot",
          url: "https://jenkins.example/job/shop/5/",
        },
      ],
    });
    const production = { kind: "production", tag: "v1.0.0" } as const;
    const release: EnvironmentTarget = {
      ...target,
      environment: production,
      names: environmentNames("branchline", repo, production),
      requiredChecks: results,
    };
    const progress = { done: [], changes: [] };
    const refused = renderCheckRun(release, progress, {
      kind: "failed",
      problem: { kind: "promotion", unmet: [{ criterion: "required-check", message: "m", fix: "f" }] },
    });
    const passed = renderCheckRun(release, progress, {
      kind: "finished",
      pipeline: "p",
      executionId: "e",
      status: "Succeeded",
    });
    const running = renderCheckRun(release, progress, { kind: "running", pipeline: "p", executionId: "e" });
    for (const content of [refused, passed, running]) {
      expect(content.summary).toContain("### Required checks (`production.requireChecks`)");
      expect(content.summary).toContain(
        "- ✅ **met**: check run `ci / test` by App `777`: succeeded, reported by App `ci-app` ([details](https://github.com/octo-org/shop/runs/5))",
      );
      expect(content.summary).toContain(
        "- ❌ **unmet**: status `jenkins/build`: is `failure`, not success, reported by @jenkins-bot ([details](https://jenkins.example/job/shop/5/))",
      );
      expect(content.summary).toContain(
        "- ❌ **unmet**: status `security/scan` from @scanner: has not been reported on this commit",
      );
    }
    // Not production, or no requirement: no section.
    expect(
      renderCheckRun(target, progress, { kind: "running", pipeline: "p", executionId: "e" }).summary,
    ).not.toContain("Required checks");
  });
});
