import { describe, expect, it } from "vitest";
import {
  CONFIG_PATH,
  DEFAULT_TEMPLATE_PATH,
  parametersFor,
  roleFor,
  type BranchlineConfig,
} from "../../src/config/schema.js";
import { fieldName, validateConfig, type ConfigProblem } from "../../src/config/validate.js";
import type { PathSegment } from "@branchline/cloudformation-template";

const DEFAULTS: BranchlineConfig = {
  template: DEFAULT_TEMPLATE_PATH,
  stackPrefix: "branchline",
  branches: { include: ["**"], exclude: [] },
  releaseTags: ["v[0-9]*"],
  parameters: { all: {}, branch: {}, staging: {}, production: {} },
  roles: {},
  permissions: { redeploy: "write" },
};

function valid(raw: unknown): BranchlineConfig {
  const result = validateConfig(raw);
  if (!result.ok) throw new Error(`expected a valid config, got ${JSON.stringify(result.problems)}`);
  return result.config;
}

function problems(raw: unknown): readonly ConfigProblem[] {
  const result = validateConfig(raw);
  if (result.ok) throw new Error(`expected problems, got ${JSON.stringify(result.config)}`);
  return result.problems;
}

const ROLE = "arn:aws:iam::123456789012:role/branchline-staging";

describe("validateConfig: defaults", () => {
  it.each<[string, unknown]>([
    ["an empty mapping", {}],
    ["an empty file (null)", null],
    ["nothing at all (undefined)", undefined],
  ])("%s gives the defaults", (_, raw) => {
    expect(valid(raw)).toEqual(DEFAULTS);
  });

  it("the config lives in .github/branchline.yml and the template defaults to .github/branchline/pipeline.yml", () => {
    expect(CONFIG_PATH).toBe(".github/branchline.yml");
    expect(DEFAULT_TEMPLATE_PATH).toBe(".github/branchline/pipeline.yml");
  });

  it("fills the defaults of the fields left out", () => {
    expect(valid({ branches: { exclude: "wip/**" }, parameters: { staging: { A: "1" } } })).toEqual({
      ...DEFAULTS,
      branches: { include: ["**"], exclude: ["wip/**"] },
      parameters: { all: {}, branch: {}, staging: { A: "1" }, production: {} },
    });
  });

  it("keeps a full valid config as written", () => {
    const raw = {
      template: "ci/pipeline.yaml",
      stackPrefix: "acme-1",
      branches: { include: ["feature/**", "fix/**"], exclude: ["**/wip-*"] },
      releaseTags: ["v*", "release-*"],
      parameters: { all: { A: "a" }, branch: { B: "b" }, staging: { C: "c" }, production: { D: "d" } },
      roles: { branch: ROLE, staging: ROLE, production: "arn:aws-us-gov:iam::123456789012:role/path/to/prod" },
      permissions: { redeploy: "maintain" },
    };
    expect(valid(raw)).toEqual(raw);
  });
});

describe("validateConfig: fields that take one or many", () => {
  it.each<[string, unknown, string[]]>([
    ["releaseTags as one string", { releaseTags: "v*" }, ["v*"]],
    ["releaseTags as a list", { releaseTags: ["v*", "r*"] }, ["v*", "r*"]],
  ])("%s", (_, raw, expected) => {
    expect(valid(raw).releaseTags).toEqual(expected);
  });

  it.each<[string, unknown, { include: string[]; exclude: string[] }]>([
    ["include as one string", { branches: { include: "feature/**" } }, { include: ["feature/**"], exclude: [] }],
    ["exclude as one string", { branches: { exclude: "wip/**" } }, { include: ["**"], exclude: ["wip/**"] }],
    ["both as lists", { branches: { include: ["a", "b"], exclude: ["c"] } }, { include: ["a", "b"], exclude: ["c"] }],
    ["an empty include (no branch environments)", { branches: { include: [] } }, { include: [], exclude: [] }],
  ])("branches: %s", (_, raw, expected) => {
    expect(valid(raw).branches).toEqual(expected);
  });
});

describe("validateConfig: permissions", () => {
  it.each(["read", "triage", "write", "maintain", "admin"])(
    "permissions.redeploy takes the GitHub role %j",
    (level) => {
      expect(valid({ permissions: { redeploy: level } }).permissions).toEqual({ redeploy: level });
    },
  );
});

describe("validateConfig: parameters", () => {
  it("turns YAML numbers and booleans into the strings CloudFormation takes", () => {
    expect(
      valid({ parameters: { all: { Port: 8080, Ratio: 0.5, Enabled: true, Off: false, Name: "x" } } }).parameters.all,
    ).toEqual({
      Port: "8080",
      Ratio: "0.5",
      Enabled: "true",
      Off: "false",
      Name: "x",
    });
  });

  it("accepts a value of exactly 4,096 bytes", () => {
    expect(valid({ parameters: { all: { Big: "x".repeat(4096) } } }).parameters.all.Big).toHaveLength(4096);
  });

  it.each<[string, string]>([
    ["ASCII", "x".repeat(4097)],
    ["multi-byte characters (2,049 × 2 bytes)", "é".repeat(2049)],
  ])("refuses a value over 4,096 bytes of %s", (_, value) => {
    expect(problems({ parameters: { production: { Big: value } } })).toEqual([
      { path: ["parameters", "production", "Big"], message: expect.stringContaining("4,096 bytes") },
    ]);
  });

  it.each(["BranchlineRef", "BranchlineRepository", "BranchlineAnything"])(
    "refuses the branchline-owned parameter %s",
    (name) => {
      expect(problems({ parameters: { all: { [name]: "x" } } })).toEqual([
        { path: ["parameters", "all", name], message: expect.stringMatching(/Branchline\* are set by branchline/) },
      ]);
    },
  );

  it.each(["a-b", "a_b", "a.b", "a b", "ä"])("refuses the parameter name %j (letters and digits only)", (name) => {
    expect(problems({ parameters: { branch: { [name]: "x" } } })).toEqual([
      { path: ["parameters", "branch", name], message: expect.stringContaining("only letters and digits") },
    ]);
  });
});

describe("validateConfig: wrong types and values", () => {
  it.each<[string, unknown, PathSegment[], RegExp]>([
    ["template not a string", { template: 5 }, ["template"], /expected string/],
    ["template an absolute path", { template: "/ci/pipeline.yml" }, ["template"], /repository path/],
    [
      "template of another kind of file",
      { template: "ci/pipeline.txt" },
      ["template"],
      /\.yml, \.yaml, \.json or \.template/,
    ],
    ["stackPrefix starting with a digit", { stackPrefix: "1abc" }, ["stackPrefix"], /a letter/],
    ["stackPrefix in upper case (bucket names derive from it)", { stackPrefix: "Acme" }, ["stackPrefix"], /lower case/],
    ["stackPrefix ending in a hyphen", { stackPrefix: "acme-" }, ["stackPrefix"], /not ending in a hyphen/],
    ["stackPrefix too long", { stackPrefix: "a".repeat(21) }, ["stackPrefix"], /at most 19/],
    ["stackPrefix not a string", { stackPrefix: 3 }, ["stackPrefix"], /expected string/],
    ["branches not a mapping", { branches: "main" }, ["branches"], /expected object/],
    [
      "an empty include pattern",
      { branches: { include: ["feature/**", ""] } },
      ["branches", "include", 1],
      /cannot be empty/,
    ],
    [
      "an empty exclude pattern",
      { branches: { exclude: ["wip/**", ""] } },
      ["branches", "exclude", 1],
      /cannot be empty/,
    ],
    ["an empty releaseTags list", { releaseTags: [] }, ["releaseTags"], /at least one pattern/],
    ["an empty release tag pattern", { releaseTags: [""] }, ["releaseTags", 0], /cannot be empty/],
    ["parameters not a mapping", { parameters: "x" }, ["parameters"], /expected object/],
    [
      "a role that is not an ARN",
      { roles: { staging: "deployer" } },
      ["roles", "staging"],
      /arn:aws:iam::123456789012:role\/name/,
    ],
    [
      "a role with a short account",
      { roles: { branch: "arn:aws:iam::12345:role/x" } },
      ["roles", "branch"],
      /IAM role ARN/,
    ],
    [
      "a user, not a role",
      { roles: { production: "arn:aws:iam::123456789012:user/x" } },
      ["roles", "production"],
      /IAM role ARN/,
    ],
    [
      "a role of another service",
      { roles: { production: "arn:aws:s3:::bucket" } },
      ["roles", "production"],
      /IAM role ARN/,
    ],
    ["a role not a string", { roles: { staging: 5 } }, ["roles", "staging"], /expected string/],
    [
      "permissions.redeploy not a GitHub role",
      { permissions: { redeploy: "owner" } },
      ["permissions", "redeploy"],
      /read.*triage.*write.*maintain.*admin/,
    ],
    ["permissions not a mapping", { permissions: "admin" }, ["permissions"], /expected object/],
    ["a ttl without a unit", { branches: { ttl: "7" } }, ["branches", "ttl"], /a whole number and m, h, d or w/],
    ["a ttl in words", { branches: { ttl: "7 days" } }, ["branches", "ttl"], /`7d`, `36h`/],
    ["a ttl that is a number", { branches: { ttl: 7 } }, ["branches", "ttl"], /expected string/],
    ["maxEnvironments of zero", { branches: { maxEnvironments: 0 } }, ["branches", "maxEnvironments"], /at least 1/],
    [
      "maxEnvironments not whole",
      { branches: { maxEnvironments: 2.5 } },
      ["branches", "maxEnvironments"],
      /whole number/,
    ],
    [
      "preview.requireAcknowledgement not a boolean",
      { preview: { requireAcknowledgement: "yes" } },
      ["preview", "requireAcknowledgement"],
      /expected boolean/,
    ],
    [
      "preview.applicationTemplate outside the repository",
      { preview: { applicationTemplate: "../secrets.yml" } },
      ["preview", "applicationTemplate"],
      /a path in the repository, like template.yml/,
    ],
    [
      "preview.applicationTemplate absolute",
      { preview: { applicationTemplate: "/etc/template.yml" } },
      ["preview", "applicationTemplate"],
      /no leading \//,
    ],
    ["the whole file a list", [], [], /expected object/],
    ["the whole file a string", "template: x", [], /expected object/],
  ])("%s → a problem at its path", (_, raw, path, message) => {
    const found = problems(raw);
    expect(found).toHaveLength(1);
    expect(found[0]?.path).toEqual(path);
    expect(found[0]?.message).toMatch(message);
  });

  it.each<[string, unknown, PathSegment[]]>([
    ["branchs (for branches)", { branchs: { include: "x" } }, ["branchs"]],
    ["releaseTag (for releaseTags)", { releaseTag: "v*" }, ["releaseTag"]],
    ["parameters.prod (for production)", { parameters: { prod: { A: "1" } } }, ["parameters", "prod"]],
    ["parameters.Staging (case)", { parameters: { Staging: {} } }, ["parameters", "Staging"]],
    ["branches.inlude", { branches: { inlude: "x" } }, ["branches", "inlude"]],
    ["roles.prod", { roles: { prod: ROLE } }, ["roles", "prod"]],
    ["permissions.deploy (for redeploy)", { permissions: { deploy: "admin" } }, ["permissions", "deploy"]],
    ["branches.TTL (case)", { branches: { TTL: "7d" } }, ["branches", "TTL"]],
  ])("names the unknown field %s", (_, raw, path) => {
    expect(problems(raw)).toEqual([
      {
        path,
        message: `unknown field "${String(path.at(-1))}"; check its spelling against the config reference in the README`,
      },
    ]);
  });

  it("reports every problem, not only the first", () => {
    const found = problems({
      branchs: 1,
      stackPrefix: "1",
      roles: { staging: "x" },
      parameters: { all: { BranchlineRef: "r" } },
    });
    expect(found.map((p) => fieldName(p.path)).sort()).toEqual([
      "branchs",
      "parameters.all.BranchlineRef",
      "roles.staging",
      "stackPrefix",
    ]);
  });

  // BUG (src/config/validate.ts): fields that accept one of several shapes (a pattern or a list of
  // patterns; a string, number or boolean parameter value) fail as zod `invalid_union` issues, which
  // describeIssue passes through as the bare "Invalid input": it does not say what the field takes
  // (not even "a pattern cannot be empty" for `exclude: ""`), and for `include: [1]` the path stops
  // at the list instead of naming the item.
  it("a value of the wrong type in a field that takes one of several shapes says what the field takes", () => {
    const cases: unknown[] = [
      { branches: { include: [1] } },
      { branches: { exclude: "" } },
      { releaseTags: "" },
      { branches: { exclude: { a: 1 } } },
      { releaseTags: 5 },
      { parameters: { all: { A: null } } },
      { parameters: { staging: { A: ["x"] } } },
      { parameters: { branch: { A: { nested: 1 } } } },
    ];
    const bare = cases.flatMap((raw) =>
      problems(raw)
        .filter((p) => /^Invalid input\.?$/.test(p.message))
        .map((p) => fieldName(p.path)),
    );
    expect(bare).toEqual([]);
  });
});

describe("fieldName", () => {
  it.each<[PathSegment[], string]>([
    [[], ""],
    [["template"], "template"],
    [["branches", "include"], "branches.include"],
    [["branches", "include", 2], "branches.include[2]"],
    [["releaseTags", 0], "releaseTags[0]"],
    [["parameters", "all", "ConnectionArn"], "parameters.all.ConnectionArn"],
    [[0], "[0]"],
    [["a", 1, 2, "b"], "a[1][2].b"],
  ])("%j → %j", (path, name) => {
    expect(fieldName(path)).toBe(name);
  });
});

describe("parametersFor and roleFor", () => {
  const config = valid({
    parameters: {
      all: { Shared: "all", Overridden: "all" },
      branch: { Overridden: "branch", OnlyBranch: "b" },
      staging: { Overridden: "staging" },
      production: {},
    },
    roles: { production: ROLE },
  });

  it.each<["branch" | "staging" | "production", Record<string, string>]>([
    ["branch", { Shared: "all", Overridden: "branch", OnlyBranch: "b" }],
    ["staging", { Shared: "all", Overridden: "staging" }],
    ["production", { Shared: "all", Overridden: "all" }],
  ])("%s: `all` first, then the kind's own", (kind, expected) => {
    expect(parametersFor(config, kind)).toEqual(expected);
  });

  it("does not change the config", () => {
    parametersFor(config, "branch");
    expect(config.parameters.all).toEqual({ Shared: "all", Overridden: "all" });
  });

  it.each<["branch" | "staging" | "production", string | undefined]>([
    ["branch", undefined],
    ["staging", undefined],
    ["production", ROLE],
  ])("roleFor %s → %s", (kind, role) => {
    expect(roleFor(config, kind)).toBe(role);
  });
});
