import { describe, expect, it } from "vitest";
import { checkTemplate, formatProblem, type TemplateProblem } from "../../src/template-check/spec-check.js";

const GOOD = `AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  BucketSuffix:
    Type: String
    Default: data
Conditions:
  HasSuffix: !Not [!Equals [!Ref BucketSuffix, ""]]
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketEncryption:
        ServerSideEncryptionConfiguration:
          - ServerSideEncryptionByDefault:
              SSEAlgorithm: AES256
      Tags:
        - Key: purpose
          Value: !If [HasSuffix, !Ref BucketSuffix, !Ref AWS::NoValue]
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      MessageRetentionPeriod: "1209600"
      RedrivePolicy: { deadLetterTargetArn: !GetAtt Dlq.Arn, maxReceiveCount: 3 }
  Dlq:
    Type: AWS::SQS::Queue
  Topic:
    Type: AWS::SNS::Topic
    DependsOn: Queue
    Properties:
      DisplayName: !Sub "\${AWS::StackName}-\${Bucket}-\${Queue.QueueName}-\${!Literal}"
      FutureProperty: !Fn::SomethingNew [1, 2]
Outputs:
  BucketArn:
    Value: !GetAtt Bucket.Arn
  Name:
    Condition: HasSuffix
    Value: !Sub ["\${Prefix}-x", { Prefix: !Ref BucketSuffix }]
`;

async function problemsOf(text: string): Promise<TemplateProblem[]> {
  return checkTemplate(text, { fileName: "t.yml" });
}

describe("checkTemplate", () => {
  it("accepts a valid template, intrinsic functions included", async () => {
    // FutureProperty is not an SNS property, so only that is reported: the rest is valid.
    const problems = await problemsOf(GOOD);
    expect(problems.map((p) => p.message)).toEqual([
      "Resources.Topic.Properties.FutureProperty: unknown property of AWS::SNS::Topic",
    ]);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.path).toEqual(["Resources", "Topic", "Properties", "FutureProperty"]);
  });

  it("accepts the same template without the unknown property", async () => {
    expect(await problemsOf(GOOD.replace(/\n {6}FutureProperty:.*\n/, "\n"))).toEqual([]);
  });

  it("reports an unknown resource type with a suggestion, at its line", async () => {
    const problems = await problemsOf(
      GOOD.replace("Type: AWS::SNS::Topic", "Type: AWS::SNS::Topik").replace(/\n {6}FutureProperty:.*\n/, "\n"),
    );
    expect(problems).toHaveLength(1);
    const [p] = problems;
    expect(p!.message).toBe(
      "Resources.Topic.Type: unknown resource type AWS::SNS::Topik; did you mean AWS::SNS::Topic?",
    );
    expect(p!.line).toBe(GOOD.split("\n").findIndex((l) => l.includes("AWS::SNS::Topic")) + 1);
    expect(p!.column).toBe(5);
    expect(formatProblem(p!)).toMatch(/^t\.yml:\d+:5: Resources\.Topic\.Type: unknown resource type/);
  });

  it("reports an unknown property", async () => {
    const text = `Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      VisibilityTimeOut: 30\n`;
    const problems = await problemsOf(text);
    expect(problems).toEqual([
      {
        message:
          "Resources.Q.Properties.VisibilityTimeOut: unknown property of AWS::SQS::Queue; did you mean VisibilityTimeout?",
        path: ["Resources", "Q", "Properties", "VisibilityTimeOut"],
        line: 5,
        column: 7,
        file: "t.yml",
      },
    ]);
  });

  it("reports a missing required property at the mapping that lacks it", async () => {
    const text = `Resources:\n  P:\n    Type: AWS::CodePipeline::Pipeline\n    Properties:\n      RoleArn: arn:aws:iam::123456789012:role/x\n`;
    const problems = await problemsOf(text);
    expect(problems.map((p) => p.message)).toEqual([
      "Resources.P.Properties.Stages: required property missing; add Stages to this AWS::CodePipeline::Pipeline",
    ]);
    expect(problems[0]!.line).toBe(4);
  });

  it("reports required properties when Properties is absent altogether", async () => {
    const problems = await problemsOf(`Resources:\n  R:\n    Type: AWS::IAM::Role\n`);
    expect(problems.map((p) => p.message)).toEqual([
      "Resources.R.Properties.AssumeRolePolicyDocument: required property missing; add AssumeRolePolicyDocument to this AWS::IAM::Role",
    ]);
  });

  it("finds a typo in a nested property type, through lists and Fn::If branches", async () => {
    const text = [
      "Parameters:",
      "  Prod: { Type: String }",
      "Conditions:",
      "  IsProd: !Equals [!Ref Prod, 'yes']",
      "Resources:",
      "  P:",
      "    Type: AWS::CodePipeline::Pipeline",
      "    Properties:",
      "      RoleArn: x",
      "      PipelineType: V2",
      "      Stages:",
      "        - !If",
      "          - IsProd",
      "          - Name: Approve",
      "            Actions:",
      "              - Name: A",
      "                ActionTypeId: { Category: Approval, Owner: AWS, Provider: Manual, Versoin: '1' }",
      "          - !Ref AWS::NoValue",
    ].join("\n");
    const problems = await problemsOf(text);
    expect(problems.map((p) => p.message)).toEqual([
      // Sorted by position: the missing property is reported at the mapping, which starts first.
      "Resources.P.Properties.Stages[0].Fn::If[1].Actions[0].ActionTypeId.Version: required property missing; add Version to this ActionTypeId",
      "Resources.P.Properties.Stages[0].Fn::If[1].Actions[0].ActionTypeId.Versoin: unknown property of ActionTypeId; did you mean Version?",
    ]);
    expect(problems.map((p) => p.line)).toEqual([17, 17]);
    expect(problems[1]!.column).toBeGreaterThan(problems[0]!.column);
  });

  it("reports a Ref to a parameter that does not exist", async () => {
    const text = `Parameters:\n  Name: { Type: String }\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !Ref Nmae\n`;
    const problems = await problemsOf(text);
    expect(problems.map((p) => p.message)).toEqual([
      "Resources.Q.Properties.QueueName.Ref: Ref to Nmae, which is not a parameter, resource or pseudo parameter; did you mean Name?",
    ]);
    expect(problems[0]!.line).toBe(7);
    const none = await problemsOf(text.replace("!Ref Nmae", "!Ref Missing"));
    expect(none[0]!.message).toMatch(/Ref to Missing, .*; declare it under Parameters$/);
  });

  it("checks names inside Fn::Sub, Fn::GetAtt attributes, conditions, DependsOn and mappings", async () => {
    const text = [
      "Conditions:",
      "  C: !Equals [!Ref AWS::Region, eu-west-1]",
      "Resources:",
      "  Q:",
      "    Type: AWS::SQS::Queue",
      "    Condition: D",
      "    DependsOn: [Nope]",
      "    Properties:",
      "      QueueName: !Sub '${Missing}-${Q.Arm}'",
      "      DelaySeconds: !FindInMap [NoMap, a, b]",
      "Outputs:",
      "  O:",
      "    Value: !If [E, !GetAtt Q.Arn, x]",
    ].join("\n");
    const messages = (await problemsOf(text)).map((p) => p.message);
    expect(messages).toEqual([
      "Resources.Q.Condition: condition D is not declared under Conditions; did you mean C?",
      "Resources.Q.DependsOn[0]: DependsOn Nope, which is not another resource; known: Q",
      "Resources.Q.Properties.QueueName.Fn::Sub: Ref to Missing, which is not a parameter, resource or pseudo parameter; declare it under Parameters",
      "Resources.Q.Properties.QueueName.Fn::Sub: AWS::SQS::Queue has no attribute Arm; did you mean Arn?",
      "Resources.Q.Properties.DelaySeconds.Fn::FindInMap[0]: mapping NoMap is not declared under Mappings; it takes no properties",
      "Outputs.O.Value.Fn::If[0]: condition E is not declared under Conditions; did you mean C?",
    ]);
  });

  it("reports structure: unknown sections, resource attributes, parameter types, outputs without Value", async () => {
    const text = [
      "Parameter:",
      "  X: 1",
      "Parameters:",
      "  P: { Type: Strng }",
      "Resources:",
      "  Q:",
      "    Type: AWS::SQS::Queue",
      "    DeletionPolcy: Retain",
      "Outputs:",
      "  O: { Description: nothing }",
    ].join("\n");
    const messages = (await problemsOf(text)).map((p) => p.message);
    expect(messages).toEqual([
      "Parameter: unknown template section; did you mean Parameters?",
      "Parameters.P.Type: unknown parameter type Strng; did you mean String?",
      "Resources.Q.DeletionPolcy: unknown resource attribute; did you mean DeletionPolicy?",
      "Outputs.O.Value: required: an output needs a Value",
    ]);
  });

  it("rejects YAML aliases, which CloudFormation refuses, and accepts ARN wildcards", async () => {
    const text = `Resources:\n  A:\n    Type: AWS::SQS::Queue\n    Properties: &props\n      DelaySeconds: 1\n  B:\n    Type: AWS::SQS::Queue\n    Properties: *props\n`;
    const problems = await problemsOf(text);
    expect(problems.map((p) => [p.line, p.message])).toEqual([
      [8, "YAML alias *props: CloudFormation does not accept YAML aliases; write the value out"],
    ]);
  });

  it("leaves custom and registry types alone, but needs a ServiceToken", async () => {
    const text = `Resources:\n  A:\n    Type: Custom::Thing\n    Properties: { Anything: 1 }\n  B:\n    Type: MongoDB::Atlas::Cluster\n    Properties: { Whatever: 2 }\n`;
    expect((await problemsOf(text)).map((p) => p.message)).toEqual([
      "Resources.A.Properties.ServiceToken: required property missing; add ServiceToken to this Custom::Thing",
    ]);
  });

  it("reports unreadable YAML and a missing Resources section with positions", async () => {
    const broken = await problemsOf("Resources:\n  A: [\n");
    expect(broken.length).toBeGreaterThan(0);
    expect(broken[0]!.line).toBeGreaterThanOrEqual(2);
    const empty = await problemsOf("Description: nothing\n");
    expect(empty.map((p) => p.message)).toEqual(["a template needs a Resources section with at least one resource"]);
  });

  it("reports a list where a mapping belongs, and a mapping where a string belongs", async () => {
    const text = `Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: { a: b }\n      RedrivePolicy: 1\n      Tags: { Key: a, Value: b }\n`;
    const messages = (await problemsOf(text)).map((p) => p.message);
    expect(messages).toContain("Resources.Q.Properties.QueueName: expected a string, found a mapping");
    expect(messages).toContain("Resources.Q.Properties.Tags: expected a list, found a mapping");
  });
});
