import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { validateConfig } from "../../src/config/validate.js";
import { STACK_PREFIX_MAX_LENGTH, STACK_PREFIX_PATTERN } from "../../src/core/naming.js";
import { BRANCHLINE_PARAMETERS, DEFAULT_SOURCE_ACTION_NAME, PIPELINE_OUTPUTS } from "../../src/core/parameters.js";
import { checkTemplate, formatProblem } from "../../src/template-check/spec-check.js";
import { readTemplate, type CfnTemplate, type LocatedDocument } from "@branchline/cloudformation-template";

const DIR = new URL("../../templates/", import.meta.url);
const FILES = readdirSync(DIR)
  .filter((f) => f.endsWith(".yml"))
  .sort();

function load(file: string): { text: string; template: CfnTemplate; source: LocatedDocument } {
  const text = readFileSync(new URL(file, DIR), "utf8");
  const read = readTemplate(text);
  if (!read.ok) throw new Error(`${file}: ${read.problems.map((p) => p.message).join("; ")}`);
  return { text, template: read.template, source: read.source };
}

type Json = Record<string, unknown>;
const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

describe("templates/", () => {
  it("holds the four templates", () => {
    expect(FILES).toEqual(["branchline-iam.yml", "branchline-service.yml", "events.yml", "pipeline.yml"]);
  });

  it.each(FILES)("%s passes the resource specification check", async (file) => {
    const { text } = load(file);
    const problems = await checkTemplate(text, { fileName: `templates/${file}` });
    expect(problems.map(formatProblem)).toEqual([]);
  });
});

describe("the stack prefix", () => {
  it.each(["branchline-iam.yml", "events.yml"])("%s takes StackPrefix by the config's one rule", (file) => {
    const declared = load(file).template.Parameters?.StackPrefix;
    expect(declared?.AllowedPattern).toBe(STACK_PREFIX_PATTERN.source);
    expect(declared?.MaxLength).toBe(STACK_PREFIX_MAX_LENGTH);
  });

  it.each([
    ["branchline", true],
    ["acme-ci", true],
    ["a", true],
    ["a".repeat(20), true],
    ["a".repeat(21), false],
    ["Acme", false],
    ["acme-", false],
    ["1acme", false],
    ["acme_ci", false],
  ])("%s: %s for the config and for the templates", (prefix, valid) => {
    expect(STACK_PREFIX_PATTERN.test(prefix) && prefix.length <= STACK_PREFIX_MAX_LENGTH).toBe(valid);
    expect(validateConfig({ stackPrefix: prefix }).ok).toBe(valid);
  });
});

describe("templates/pipeline.yml", () => {
  const { template } = load("pipeline.yml");
  const resources = template.Resources;
  const pipeline = resources.Pipeline!;
  const props = pipeline.Properties as Json;
  const stages = props.Stages as unknown[];

  it("declares exactly BRANCHLINE_PARAMETERS among its Branchline* parameters", () => {
    const declared = Object.keys(template.Parameters ?? {}).filter((p) => p.startsWith("Branchline"));
    expect(declared.sort()).toEqual(Object.keys(BRANCHLINE_PARAMETERS).sort());
  });

  it("gives every other parameter a default, except the ones only the user can know", () => {
    const withoutDefault = Object.entries(template.Parameters ?? {})
      .filter(([name, p]) => !name.startsWith("Branchline") && !("Default" in p))
      .map(([name]) => name);
    expect(withoutDefault.sort()).toEqual(["ConnectionArn", "DeployPolicyArn", "PermissionsBoundaryArn"]);
  });

  it("is one V2 pipeline named by branchline", () => {
    const pipelines = Object.values(resources).filter((r) => r.Type === "AWS::CodePipeline::Pipeline");
    expect(pipelines).toHaveLength(1);
    expect(props.Name).toEqual({ Ref: "BranchlinePipelineName" });
    expect(props.PipelineType).toBe("V2");
  });

  it("outputs PipelineName and SourceActionName, naming the real source action", () => {
    const outputs = template.Outputs ?? {};
    expect(outputs.PipelineName?.Value).toEqual({ Ref: "Pipeline" });
    const sourceActions = stages
      .flatMap((s) => ((s as Json).Actions as Json[] | undefined) ?? [])
      .filter((a) => (a.ActionTypeId as Json).Category === "Source");
    expect(sourceActions).toHaveLength(1);
    expect(outputs.SourceActionName?.Value).toBe(sourceActions[0]!.Name);
    expect(sourceActions[0]!.Name).toBe(DEFAULT_SOURCE_ACTION_NAME);
    for (const name of Object.keys(outputs)) {
      if (name in PIPELINE_OUTPUTS) continue;
      // Extra outputs are information for people; branchline reads only PIPELINE_OUTPUTS.
      expect(["ApplicationStackName", "ArtifactBucketName"]).toContain(name);
    }
  });

  it("pins no triggers: no Triggers, no change detection; branchline starts every run", () => {
    expect(props).not.toHaveProperty("Triggers");
    expect(props.RestartExecutionOnUpdate).toBe(false);
    const source = (stages[0] as Json).Actions as Json[];
    const configuration = source[0]!.Configuration as Json;
    expect(configuration.DetectChanges).toBe(false);
    expect(configuration.FullRepositoryId).toEqual({ Ref: "BranchlineRepository" });
    expect(configuration.BranchName).toEqual({ Ref: "BranchlineSourceBranch" });
    expect(configuration.ConnectionArn).toEqual({ Ref: "ConnectionArn" });
    expect(Object.values(resources).map((r) => r.Type)).not.toContain("AWS::CodeConnections::Connection");
    expect(Object.values(resources).map((r) => r.Type)).not.toContain("AWS::CodeStarConnections::Connection");
  });

  it("has a manual approval only under the production condition", () => {
    expect(template.Conditions?.IsProduction).toEqual({
      "Fn::Equals": [{ Ref: "BranchlineEnvironmentKind" }, "production"],
    });
    const manual: { stage: string; condition: string | undefined }[] = [];
    for (const entry of stages) {
      const conditional = (entry as Json)["Fn::If"] as [string, Json, unknown] | undefined;
      const stage = conditional ? conditional[1] : (entry as Json);
      for (const action of (stage.Actions as Json[]) ?? []) {
        if ((action.ActionTypeId as Json).Provider === "Manual")
          manual.push({ stage: stage.Name as string, condition: conditional?.[0] });
      }
      if (conditional) expect(conditional[2]).toEqual({ Ref: "AWS::NoValue" });
    }
    expect(manual).toEqual([{ stage: "Approval", condition: "IsProduction" }]);
    const names = stages.map((s) => ((s as Json)["Fn::If"] ? "Approval?" : (s as Json).Name));
    expect(names).toEqual(["Source", "Build", "Approval?", "Deploy"]);
  });

  it("never names its buckets: CloudFormation generates unique names", () => {
    for (const r of Object.values(resources).filter((r) => r.Type === "AWS::S3::Bucket")) {
      expect(r.Properties).not.toHaveProperty("BucketName");
      expect(r.Properties).toHaveProperty("BucketEncryption");
      expect(r.Properties).toHaveProperty("LifecycleConfiguration");
    }
  });

  it("puts every role under the kind's IAM path with the kind's permissions boundary", () => {
    const roles = Object.values(resources).filter((r) => r.Type === "AWS::IAM::Role");
    expect(roles).toHaveLength(3);
    for (const role of roles) {
      expect(role.Properties?.Path).toEqual({ "Fn::Sub": "/branchline/${BranchlineEnvironmentKind}/" });
      expect(role.Properties?.PermissionsBoundary).toEqual({ Ref: "PermissionsBoundaryArn" });
    }
  });
});

describe("IAM in templates/", () => {
  const READ_VERBS = /^(Get|List|Describe|BatchGet|Head|View|Validate|Lookup|Search|Query|Scan)/;
  const MARKER = "wildcard-justified:";

  /** Every Allow statement of every policy document, with its path. */
  function allowStatements(
    value: unknown,
    path: (string | number)[] = [],
  ): { path: (string | number)[]; statement: Json }[] {
    if (Array.isArray(value)) return value.flatMap((v, i) => allowStatements(v, [...path, i]));
    if (typeof value !== "object" || value === null) return [];
    const found: { path: (string | number)[]; statement: Json }[] = [];
    const record = value as Json;
    if (Array.isArray(record.Statement)) {
      record.Statement.forEach((s, i) => {
        if ((s as Json).Effect === "Allow") found.push({ path: [...path, "Statement", i], statement: s as Json });
      });
    }
    for (const [key, child] of Object.entries(record))
      if (key !== "Statement") found.push(...allowStatements(child, [...path, key]));
    return found;
  }

  /** The statement's own lines and the three lines above it carry the marker comment. */
  function justified(text: string, source: LocatedDocument, path: (string | number)[]): boolean {
    const lines = text.split("\n");
    const { line, column } = source.locate(path);
    let end = line;
    while (end < lines.length) {
      const next = lines[end]!;
      const indent = next.length - next.trimStart().length;
      if (next.trim() !== "" && indent < column - 1) break;
      if (next.trimStart().startsWith("- ") && indent <= column - 3) break;
      end++;
    }
    return lines.slice(Math.max(0, line - 4), end).some((l) => l.includes(`# ${MARKER}`));
  }

  it.each(FILES)('%s grants no Action "*", nor Resource "*" with write actions, unless justified', (file) => {
    const { text, template, source } = load(file);
    const offenders: string[] = [];
    for (const { path, statement } of allowStatements(template.Resources, ["Resources"])) {
      const actions = asList(statement.Action).filter((a): a is string => typeof a === "string");
      const resourceList = asList(statement.Resource);
      const anyAction = actions.includes("*") || asList(statement.NotAction).length > 0;
      // `s3:*` and `*` count as writes; `ec2:Describe*` does not.
      const writes = actions.filter((a) => !READ_VERBS.test(a.split(":")[1] ?? a));
      const anyResource = resourceList.includes("*") || asList(statement.NotResource).length > 0;
      if ((anyAction || (anyResource && writes.length > 0)) && !justified(text, source, path)) {
        offenders.push(`${path.join(".")}: ${writes.join(", ")}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it("finds an unjustified wildcard (the check itself works)", () => {
    const text = [
      "Resources:",
      "  R:",
      "    Type: AWS::IAM::Role",
      "    Properties:",
      "      Policies:",
      "        - PolicyName: p",
      "          PolicyDocument:",
      "            Statement:",
      "              - Effect: Allow",
      "                Action: s3:DeleteObject",
      "                Resource: '*'",
    ].join("\n");
    const read = readTemplate(text);
    if (!read.ok) throw new Error("unreadable");
    const [found] = allowStatements(read.template.Resources, ["Resources"]);
    expect(found).toBeDefined();
    expect(justified(text, read.source, found!.path)).toBe(false);
    const marked = text.replace(
      "              - Effect: Allow",
      `              # ${MARKER} because\n              - Effect: Allow`,
    );
    const again = readTemplate(marked);
    if (!again.ok) throw new Error("unreadable");
    expect(justified(marked, again.source, allowStatements(again.template.Resources, ["Resources"])[0]!.path)).toBe(
      true,
    );
  });
});

describe("templates/events.yml", () => {
  const { template } = load("events.yml");

  it("forwards the three CodePipeline detail types of branchline's pipelines, with a secret header and a DLQ", () => {
    const rule = Object.values(template.Resources).find((r) => r.Type === "AWS::Events::Rule")!;
    const pattern = rule.Properties?.EventPattern as Json;
    expect(pattern.source).toEqual(["aws.codepipeline"]);
    expect(pattern["detail-type"]).toEqual([
      "CodePipeline Pipeline Execution State Change",
      "CodePipeline Stage Execution State Change",
      "CodePipeline Action Execution State Change",
    ]);
    expect((pattern.detail as Json).pipeline).toEqual([{ prefix: { "Fn::Sub": "${StackPrefix}-" } }]);
    const [target] = rule.Properties?.Targets as Json[];
    expect(target).toHaveProperty("DeadLetterConfig");
    expect(target).toHaveProperty("RetryPolicy");
    expect(template.Parameters?.SharedSecret?.NoEcho).toBe(true);
  });
});
