import { describe, expect, it } from "vitest";
import { configSchema, setupRules } from "../../src/config/schema.js";
import { environmentNames } from "../../src/core/naming.js";
import { planSetup } from "../../src/core/setup-plan.js";

const REPO = { owner: "octo-org", name: "shop", id: 7 };
const BRANCHES = ["main", "feature/a", "dependabot/npm/x", "release/1"];

describe("planSetup: what a repository's first config would create", () => {
  it.each([
    { config: {}, included: ["dependabot/npm/x", "feature/a", "release/1"], left: [] },
    {
      config: { branches: { exclude: ["dependabot/**"] } },
      included: ["feature/a", "release/1"],
      left: [["dependabot/npm/x", "excluded by `branches.exclude`"]],
    },
    {
      config: { branches: { include: ["feature/**"] } },
      included: ["feature/a"],
      left: [
        ["dependabot/npm/x", "not matched by `branches.include`"],
        ["release/1", "not matched by `branches.include`"],
      ],
    },
    {
      config: { branches: { include: [] } },
      included: [],
      left: [
        ["dependabot/npm/x", "not matched by `branches.include`"],
        ["feature/a", "not matched by `branches.include`"],
        ["release/1", "not matched by `branches.include`"],
      ],
    },
  ])("branches $config.branches → $included", ({ config, included, left }) => {
    const plan = planSetup(setupRules(configSchema.parse(config)), REPO, "main", BRANCHES);
    expect(plan.branches.map((b) => b.branch)).toEqual(included);
    expect(plan.left.map((b) => [b.branch, b.why])).toEqual(left);
  });

  it("names staging and every branch environment as deploys will, under the configured prefix", () => {
    const plan = planSetup(setupRules(configSchema.parse({ stackPrefix: "acme" })), REPO, "main", [
      "main",
      "feature/a",
    ]);
    expect(plan.staging).toEqual({
      label: "staging",
      branch: "main",
      names: environmentNames("acme", REPO, { kind: "staging", branch: "main" }),
    });
    expect(plan.branches).toEqual([
      {
        label: "branch/feature/a",
        branch: "feature/a",
        names: environmentNames("acme", REPO, { kind: "branch", branch: "feature/a" }),
      },
    ]);
    expect(plan.production.names.stack).toMatch(/^acme-shop-production-/);
  });

  it.each([
    { config: {}, approvalRequired: false, configured: false },
    { config: { production: { approval: { required: true } } }, approvalRequired: true, configured: true },
  ])("production: at a release tag only; approval $approvalRequired", ({ config, approvalRequired, configured }) => {
    const plan = planSetup(setupRules(configSchema.parse(config)), REPO, "main", BRANCHES);
    expect(plan.production).toMatchObject({ releaseTags: ["v[0-9]*"], approvalRequired, configured });
  });

  it.each([
    { max: 1, cap: 1 },
    { max: 3, cap: null },
  ])("branches.maxEnvironments $max against 3 included branches → cap $cap", ({ max, cap }) => {
    expect(
      planSetup(setupRules(configSchema.parse({ branches: { maxEnvironments: max } })), REPO, "main", BRANCHES).cap,
    ).toBe(cap);
  });
});
