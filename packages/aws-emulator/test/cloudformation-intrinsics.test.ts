import { CreateStackCommand, DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { failure, sandbox, settledStack, type Sandbox } from "./harness.js";

let aws: Sandbox;
beforeAll(async () => {
  aws = await sandbox({ region: "eu-west-1", accountId: "111122223333" });
});
afterAll(async () => {
  await aws.close();
});

const TEMPLATE = `
Parameters:
  Stage:
    Type: String
    Default: prod
  Names:
    Type: CommaDelimitedList
    Default: "alpha,beta,gamma"
Mappings:
  Sizes:
    prod:
      Instance: large
    dev:
      Instance: small
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  IsDev: !Not [!Condition IsProd]
  Both: !And [!Condition IsProd, !Equals ["a", "a"]]
  Either: !Or [!Condition IsDev, !Equals ["a", "b"]]
Resources:
  Queue:
    Type: AWS::SQS::Queue
  DevOnly:
    Type: AWS::SNS::Topic
    Condition: IsDev
Outputs:
  Ref:
    Value: !Ref Queue
  Arn:
    Value: !GetAtt Queue.Arn
  ArnList:
    Value: !GetAtt [Queue, Arn]
  SubShort:
    Value: !Sub "\${AWS::StackName}:\${AWS::Region}:\${AWS::AccountId}:\${Queue.Arn}:\${!Literal}"
  SubLong:
    Value: !Sub
      - "\${Who}-\${Stage}"
      - Who: !Select [1, !Ref Names]
  Join:
    Value: !Join ["/", [a, !Ref Stage, !Select [0, !Split [",", "x,y"]]]]
  If:
    Value: !If [IsProd, production, development]
  Conditions:
    Value: !Join [",", [!If [Both, both, no], !If [Either, either, neither]]]
  Map:
    Value: !FindInMap [Sizes, !Ref Stage, Instance]
  Zones:
    Value: !Join [",", !GetAZs ""]
  List:
    Value: !Join ["+", !Ref Names]
  DevOnly:
    Condition: IsDev
    Value: !Ref DevOnly
`;

describe("CloudFormation intrinsic functions", () => {
  it("resolves Ref, GetAtt, Sub, Join, If, conditions, Select, Split, FindInMap and GetAZs in outputs", async () => {
    await aws.cfn.send(new CreateStackCommand({ StackName: "intrinsics", TemplateBody: TEMPLATE }));
    const stack = await settledStack(aws.cfn, "intrinsics");
    expect(stack.StackStatus).toBe("CREATE_COMPLETE");
    const outputs = Object.fromEntries(stack.Outputs!.map((o) => [o.OutputKey, o.OutputValue]));
    const queue = outputs.Ref!;
    expect(queue).toMatch(/^intrinsics-Queue-[a-z0-9]+$/);
    expect(outputs.Arn).toBe(`arn:aws:sqs:eu-west-1:111122223333:queue/${queue}`);
    expect(outputs.ArnList).toBe(outputs.Arn);
    expect(outputs.SubShort).toBe(`intrinsics:eu-west-1:111122223333:${outputs.Arn}:\${Literal}`);
    expect(outputs.SubLong).toBe("beta-prod");
    expect(outputs.Join).toBe("a/prod/x");
    expect(outputs.If).toBe("production");
    expect(outputs.Conditions).toBe("both,neither");
    expect(outputs.Map).toBe("large");
    expect(outputs.Zones).toBe("eu-west-1a,eu-west-1b,eu-west-1c");
    expect(outputs.List).toBe("alpha+beta+gamma");
    expect(outputs.DevOnly).toBeUndefined();
    expect(
      aws.emulator.control
        .stacks()
        .find((s) => s.stackName === "intrinsics")
        ?.resources.map((r) => r.logicalId),
    ).toEqual(["Queue"]);
  });

  it("creates conditional resources when their condition holds", async () => {
    await aws.cfn.send(
      new CreateStackCommand({
        StackName: "intrinsics-dev",
        TemplateBody: TEMPLATE,
        Parameters: [{ ParameterKey: "Stage", ParameterValue: "dev" }],
      }),
    );
    const stack = await settledStack(aws.cfn, "intrinsics-dev");
    const outputs = Object.fromEntries(stack.Outputs!.map((o) => [o.OutputKey, o.OutputValue]));
    expect(outputs.If).toBe("development");
    expect(outputs.Conditions).toBe("no,either");
    expect(outputs.Map).toBe("small");
    expect(outputs.DevOnly).toMatch(/^intrinsics-dev-DevOnly-/);
  });

  it("refuses unresolved references in outputs and GetAtt of undefined resources", async () => {
    const badOutput = await failure(() =>
      aws.cfn.send(
        new CreateStackCommand({
          StackName: "bad-out",
          TemplateBody: "Resources:\n  Q:\n    Type: AWS::SQS::Queue\nOutputs:\n  O:\n    Value: !Ref Nope\n",
        }),
      ),
    );
    expect(badOutput.message).toBe(
      "Template format error: Unresolved resource dependencies [Nope] in the Outputs block of the template",
    );
    const badSub = await failure(() =>
      aws.cfn.send(
        new CreateStackCommand({
          StackName: "bad-sub",
          TemplateBody:
            "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !Sub '${Ghost.Arn}'\n",
        }),
      ),
    );
    expect(badSub.message).toBe(
      "Template format error: Unresolved resource dependencies [Ghost] in the Resources block of the template",
    );
    expect((await failure(() => aws.cfn.send(new DescribeStacksCommand({ StackName: "bad-sub" })))).name).toBe(
      "ValidationError",
    );
  });

  it("orders creation by dependencies and refuses circular ones", async () => {
    const circular =
      "Resources:\n  A:\n    Type: AWS::SQS::Queue\n    DependsOn: B\n  B:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !GetAtt A.QueueName\n";
    const error = await failure(() =>
      aws.cfn.send(new CreateStackCommand({ StackName: "circle", TemplateBody: circular })),
    );
    expect(error.name).toBe("ValidationError");
    expect(error.message).toBe("Circular dependency between resources: [A, B]");
    const ordered =
      "Resources:\n  Last:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !Sub '${First}-x'\n  First:\n    Type: AWS::SQS::Queue\n";
    await aws.cfn.send(new CreateStackCommand({ StackName: "ordered", TemplateBody: ordered }));
    expect((await settledStack(aws.cfn, "ordered")).StackStatus).toBe("CREATE_COMPLETE");
    const resources = aws.emulator.control.stacks().find((s) => s.stackName === "ordered")!.resources;
    expect(resources.map((r) => r.logicalId)).toEqual(["First", "Last"]);
    expect(resources[1]!.physicalId).toBe(`${resources[0]!.physicalId}-x`);
  });
});
