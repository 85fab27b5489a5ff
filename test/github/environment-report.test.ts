import { describe, expect, it } from "vitest";
import { environmentNames } from "../../src/core/naming.js";
import { renderCheckRun, type EnvironmentTarget } from "../../src/github/environment-report.js";

const repo = { owner: "octo-org", name: "shop" };
const environment = { kind: "branch", branch: "feature/x" } as const;
const target: EnvironmentTarget = {
  repo,
  environment,
  commit: "a".repeat(40),
  names: environmentNames("branchline", repo, environment),
  region: "eu-west-1",
  sandbox: false,
};

describe("renderCheckRun", () => {
  it("keeps notes to people above the summary in every phase", () => {
    const progress = { done: ["Created stack x"], changes: [], notes: ["@visitor pressed **Approve**, but was not allowed to"] };
    for (const phase of [
      { kind: "queued", why: "Reading the pipeline template." },
      { kind: "running", pipeline: "p", executionId: "e" },
      { kind: "finished", pipeline: "p", executionId: "e", status: "Succeeded" },
    ] as const) {
      expect(renderCheckRun(target, progress, phase).summary.startsWith("> @visitor pressed **Approve**")).toBe(true);
    }
  });

  it("says Sandbox where AWS is emulated", () => {
    const content = renderCheckRun({ ...target, sandbox: true }, { done: [], changes: [] }, { kind: "queued", why: "…" });
    expect(content.summary).toContain("**Sandbox.**");
  });

  it("ends superseded and cancelled runs without failing the commit", () => {
    const progress = { done: [], changes: [] };
    expect(renderCheckRun(target, progress, { kind: "finished", pipeline: "p", executionId: "e", status: "Superseded" }).conclusion).toBe("neutral");
    expect(renderCheckRun(target, progress, { kind: "finished", pipeline: "p", executionId: "e", status: "Cancelled" }).conclusion).toBe("cancelled");
    expect(renderCheckRun(target, progress, { kind: "finished", pipeline: "p", executionId: "e", status: "Failed" }).conclusion).toBe("failure");
  });
});
