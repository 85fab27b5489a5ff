import { describe, expect, it } from "vitest";
import { diffConfig, type ComparableConfig } from "../../src/core/config-diff.js";
import { additionsOf, categorize, isStateful, verdict, type PreviewChange } from "../../src/core/preview-plan.js";

const change = (
  action: PreviewChange["action"],
  logicalId: string,
  resourceType: string,
  replacement?: PreviewChange["replacement"],
): PreviewChange => ({ action, logicalId, resourceType, replacement });

describe("categorize", () => {
  it.each<[string, PreviewChange, string, string]>([
    ["a replaced database", change("Modify", "Db", "AWS::RDS::DBInstance", "True"), "stateful-replacement", "replaced"],
    [
      "a table that may be replaced",
      change("Modify", "T", "AWS::DynamoDB::Table", "Conditional"),
      "stateful-replacement",
      "may be replaced",
    ],
    ["a removed file system", change("Remove", "Fs", "AWS::EFS::FileSystem"), "stateful-removal", "removed"],
    ["a modified bucket, not replaced", change("Modify", "B", "AWS::S3::Bucket", "False"), "modification", "modified"],
    ["a role", change("Modify", "R", "AWS::IAM::Role", "False"), "security", "modified"],
    ["a security group ingress rule", change("Add", "In", "AWS::EC2::SecurityGroupIngress"), "security", "added"],
    ["a bucket policy", change("Modify", "P", "AWS::S3::BucketPolicy", "False"), "security", "modified"],
    ["a replaced function", change("Modify", "F", "AWS::Lambda::Function", "True"), "replacement", "replaced"],
    ["a removed topic", change("Remove", "T", "AWS::SNS::Topic"), "removal", "removed"],
    ["an added bucket", change("Add", "Up", "AWS::S3::Bucket"), "addition", "added"],
  ])("%s", (_name, given, category, verb) => {
    expect(categorize([given])[0]).toMatchObject({ category, verb });
  });

  it("puts stateful replacements first, then removals of data, access changes, and the rest, keeping the change set's order within each", () => {
    const ordered = categorize([
      change("Add", "Uploads", "AWS::S3::Bucket"),
      change("Modify", "Fn", "AWS::Lambda::Function", "False"),
      change("Modify", "Role", "AWS::IAM::Role", "False"),
      change("Remove", "Cache", "AWS::ElastiCache::ReplicationGroup"),
      change("Modify", "Database", "AWS::RDS::DBInstance", "True"),
      change("Add", "Logs", "AWS::Logs::LogGroup"),
      change("Modify", "Sg", "AWS::EC2::SecurityGroup", "True"),
    ]).map((c) => c.logicalId);
    expect(ordered).toEqual(["Database", "Cache", "Role", "Sg", "Fn", "Uploads", "Logs"]);
  });

  it("knows the usual stateful types", () => {
    for (const type of ["AWS::RDS::DBCluster", "AWS::DynamoDB::Table", "AWS::S3::Bucket", "AWS::EFS::FileSystem"])
      expect(isStateful(type)).toBe(true);
    expect(isStateful("AWS::Lambda::Function")).toBe(false);
  });
});

describe("verdict and additionsOf", () => {
  it("collects data loss and access changes across stacks; a failed stack fails the whole", () => {
    const found = verdict([
      {
        kind: "changes",
        role: "application",
        stack: "app",
        changes: categorize([
          change("Modify", "Db", "AWS::RDS::DBInstance", "True"),
          change("Add", "Up", "AWS::S3::Bucket"),
        ]),
      },
      {
        kind: "new",
        role: "pipeline",
        stack: "pipe",
        changes: categorize(additionsOf({ Role: { Type: "AWS::IAM::Role" } })),
      },
      { kind: "no-changes", role: "pipeline", stack: "other", why: "same" },
    ]);
    expect(found.dataLoss.map((c) => `${c.stack}/${c.logicalId}`)).toEqual(["app/Db"]);
    expect(found.security.map((c) => `${c.stack}/${c.logicalId}`)).toEqual(["pipe/Role"]);
    expect(found).toMatchObject({ total: 3, failed: false });
    expect(verdict([{ kind: "failed", role: "pipeline", stack: "s", why: "x" }]).failed).toBe(true);
  });
});

describe("diffConfig", () => {
  const base: ComparableConfig = {
    template: ".github/branchline/pipeline.yml",
    stackPrefix: "branchline",
    parameters: { all: { A: "1" }, branch: {}, staging: {}, production: {} },
    roles: {},
    branches: { include: ["**"], exclude: [] },
  };

  it("says nothing of an equal config", () => {
    expect(diffConfig(base, { ...base })).toEqual([]);
  });

  it("names each parameter per environment kind it reaches, roles, and the fields' scopes", () => {
    const after: ComparableConfig = {
      ...base,
      parameters: { all: { A: "2" }, branch: {}, staging: { B: "x" }, production: {} },
      roles: { production: "arn:aws:iam::123456789012:role/p" },
      branches: { include: ["**"], exclude: [], ttl: "7d" },
    };
    expect(diffConfig(base, after).map((c) => `${c.scope} ${c.field} ${c.change}`)).toEqual([
      "branch parameters.A `1` → `2`",
      "staging parameters.A `1` → `2`",
      "staging parameters.B unset → `x`",
      "production parameters.A `1` → `2`",
      "production roles.production unset → `arn:aws:iam::123456789012:role/p`",
      'branch branches `{"include":["**"],"exclude":[]}` → `{"include":["**"],"exclude":[],"ttl":"7d"}`',
    ]);
  });

  it("warns that a new stackPrefix recreates every environment", () => {
    expect(diffConfig(base, { ...base, stackPrefix: "shop" })).toEqual([
      expect.objectContaining({
        scope: "every environment",
        field: "stackPrefix",
        change: expect.stringContaining("each environment is created anew"),
      }),
    ]);
  });
});
