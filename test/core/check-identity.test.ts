import { describe, expect, it } from "vitest";
import {
  checkRunName,
  CONFIG_CHECK_NAME,
  environmentFromCheckName,
  labelCheckRunName,
  PREVIEW_CHECK_NAME,
  STAGING_CHECK_NAME,
} from "../../src/core/check-identity.js";
import type { Environment } from "../../src/core/environment.js";

describe("check run names", () => {
  it.each<[Environment, string]>([
    [{ kind: "branch", branch: "feature/x" }, "branchline: branch/feature/x"],
    [{ kind: "staging", branch: "main" }, "branchline: staging"],
    [{ kind: "production", tag: "v1.2.0" }, "branchline: production"],
  ])("%o is written as %s and read back", (environment, name) => {
    expect(checkRunName(environment)).toBe(name);
    const headBranch = environment.kind === "production" ? environment.tag : null;
    const defaultBranch = environment.kind === "staging" ? environment.branch : "main";
    expect(environmentFromCheckName(name, defaultBranch, headBranch)).toEqual(environment);
  });

  it.each([
    CONFIG_CHECK_NAME,
    PREVIEW_CHECK_NAME,
    "branchline: branch/",
    "CI: staging",
    "branchline:staging",
    "branchline: develop",
  ])("%s names no environment", (name) => {
    expect(environmentFromCheckName(name, "main", null)).toBeNull();
  });

  it("staging's evidence is staging's own check run, and a label names the same check run", () => {
    expect(STAGING_CHECK_NAME).toBe(checkRunName({ kind: "staging", branch: "trunk" }));
    expect(labelCheckRunName("branch/feature/x")).toBe(checkRunName({ kind: "branch", branch: "feature/x" }));
  });
});
