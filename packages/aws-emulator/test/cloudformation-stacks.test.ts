import {
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  GetTemplateCommand,
  ListStackResourcesCommand,
  UpdateStackCommand,
  UpdateTerminationProtectionCommand,
  ValidateTemplateCommand,
  type StackEvent,
} from "@aws-sdk/client-cloudformation";
import {
  DeleteObjectCommand,
  GetBucketVersioningCommand,
  HeadBucketCommand,
  PutObjectCommand,
  CreateBucketCommand,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, failure, sandbox, settledStack, stackGone, type Sandbox } from "./harness.js";

let aws: Sandbox;
beforeAll(async () => {
  aws = await sandbox({ pageSize: 5 });
});
afterAll(async () => {
  await aws.close();
});

const BUCKET_TEMPLATE = `
AWSTemplateFormatVersion: "2010-09-09"
Description: one bucket
Parameters:
  Env:
    Type: String
  Secret:
    Type: String
    NoEcho: true
    Default: hush
  Versioning:
    Type: String
    Default: Suspended
    AllowedValues: [Enabled, Suspended]
Resources:
  Artifacts:
    Type: AWS::S3::Bucket
    Properties:
      VersioningConfiguration:
        Status: !Ref Versioning
Outputs:
  BucketName:
    Value: !Ref Artifacts
  BucketArn:
    Value: !GetAtt Artifacts.Arn
    Export:
      Name: !Sub "\${AWS::StackName}-arn"
  Where:
    Value: !Sub "\${Env}/\${AWS::Region}/\${AWS::AccountId}/\${Artifacts.DomainName}"
`;

async function allEvents(stackName: string): Promise<StackEvent[]> {
  const events: StackEvent[] = [];
  let token: string | undefined;
  do {
    const page = await aws.cfn.send(new DescribeStackEventsCommand({ StackName: stackName, NextToken: token }));
    events.push(...(page.StackEvents ?? []));
    token = page.NextToken;
  } while (token);
  return events;
}

function stackStatuses(events: StackEvent[]): string[] {
  return events
    .filter((e) => e.ResourceType === "AWS::CloudFormation::Stack")
    .map((e) => e.ResourceStatus!)
    .reverse();
}

describe("CloudFormation stacks", () => {
  it("creates a stack with parameters, tags and outputs, and real resources", async () => {
    const created = await aws.cfn.send(
      new CreateStackCommand({
        StackName: "Shop-main",
        TemplateBody: BUCKET_TEMPLATE,
        Parameters: [
          { ParameterKey: "Env", ParameterValue: "staging" },
          { ParameterKey: "Versioning", ParameterValue: "Enabled" },
        ],
        Tags: [{ Key: "branchline:env", Value: "staging" }],
        RoleARN: "arn:aws:iam::123456789012:role/deployer",
        ClientRequestToken: "create-1",
      }),
    );
    expect(created.StackId).toMatch(/^arn:aws:cloudformation:us-east-1:123456789012:stack\/Shop-main\/[0-9a-f-]{36}$/);

    const stack = await settledStack(aws.cfn, "Shop-main");
    expect(stack.StackStatus).toBe("CREATE_COMPLETE");
    expect(stack.Description).toBe("one bucket");
    expect(stack.RoleARN).toBe("arn:aws:iam::123456789012:role/deployer");
    expect(stack.Tags).toEqual([{ Key: "branchline:env", Value: "staging" }]);
    expect(stack.Parameters).toEqual(
      expect.arrayContaining([
        { ParameterKey: "Env", ParameterValue: "staging" },
        { ParameterKey: "Secret", ParameterValue: "****" },
        { ParameterKey: "Versioning", ParameterValue: "Enabled" },
      ]),
    );
    const outputs = Object.fromEntries(stack.Outputs!.map((o) => [o.OutputKey, o.OutputValue]));
    const bucket = outputs.BucketName!;
    expect(bucket).toMatch(/^shop-main-artifacts-[a-z0-9]{12}$/);
    expect(outputs.BucketArn).toBe(`arn:aws:s3:::${bucket}`);
    expect(outputs.Where).toBe(`staging/us-east-1/123456789012/${bucket}.s3.amazonaws.com`);
    expect(stack.Outputs!.find((o) => o.OutputKey === "BucketArn")?.ExportName).toBe("Shop-main-arn");

    await aws.s3.send(new HeadBucketCommand({ Bucket: bucket }));
    expect((await aws.s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status).toBe("Enabled");

    const resources = (await aws.cfn.send(new DescribeStackResourcesCommand({ StackName: "Shop-main" })))
      .StackResources!;
    expect(resources).toMatchObject([
      {
        LogicalResourceId: "Artifacts",
        PhysicalResourceId: bucket,
        ResourceType: "AWS::S3::Bucket",
        ResourceStatus: "CREATE_COMPLETE",
      },
    ]);
    const summaries = (await aws.cfn.send(new ListStackResourcesCommand({ StackName: "Shop-main" })))
      .StackResourceSummaries!;
    expect(summaries[0]).toMatchObject({
      LogicalResourceId: "Artifacts",
      PhysicalResourceId: bucket,
      ResourceStatus: "CREATE_COMPLETE",
    });
    expect(summaries[0]!.LastUpdatedTimestamp).toBeInstanceOf(Date);

    const events = await allEvents("Shop-main");
    expect(events[0]).toMatchObject({
      LogicalResourceId: "Shop-main",
      ResourceStatus: "CREATE_COMPLETE",
      ResourceType: "AWS::CloudFormation::Stack",
    });
    expect(events.at(-1)).toMatchObject({
      ResourceStatus: "CREATE_IN_PROGRESS",
      ResourceStatusReason: "User Initiated",
    });
    expect(events.every((e) => e.ClientRequestToken === "create-1")).toBe(true);
    expect(
      events
        .filter((e) => e.LogicalResourceId === "Artifacts")
        .map((e) => e.ResourceStatus)
        .reverse(),
    ).toEqual(["CREATE_IN_PROGRESS", "CREATE_IN_PROGRESS", "CREATE_COMPLETE"]);
    const times = events.map((e) => e.Timestamp!.getTime());
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it("treats a repeated CreateStack with the same token as done, and refuses a new one", async () => {
    const again = await aws.cfn.send(
      new CreateStackCommand({
        StackName: "Shop-main",
        TemplateBody: BUCKET_TEMPLATE,
        Parameters: [{ ParameterKey: "Env", ParameterValue: "x" }],
        ClientRequestToken: "create-1",
      }),
    );
    expect(again.StackId).toContain("stack/Shop-main/");
    const error = await failure(() =>
      aws.cfn.send(
        new CreateStackCommand({
          StackName: "Shop-main",
          TemplateBody: BUCKET_TEMPLATE,
          Parameters: [{ ParameterKey: "Env", ParameterValue: "x" }],
        }),
      ),
    );
    expect(error.name).toBe("AlreadyExistsException");
    expect(error.message).toBe("Stack [Shop-main] already exists");
  });

  it("updates through UPDATE_COMPLETE_CLEANUP_IN_PROGRESS, keeps tags and role, and honours UsePreviousValue", async () => {
    await aws.cfn.send(
      new UpdateStackCommand({
        StackName: "Shop-main",
        TemplateBody: BUCKET_TEMPLATE,
        Parameters: [
          { ParameterKey: "Env", UsePreviousValue: true },
          { ParameterKey: "Versioning", ParameterValue: "Suspended" },
        ],
        ClientRequestToken: "update-1",
      }),
    );
    const stack = await settledStack(aws.cfn, "Shop-main");
    expect(stack.StackStatus).toBe("UPDATE_COMPLETE");
    expect(stack.LastUpdatedTime).toBeInstanceOf(Date);
    expect(stack.Tags).toEqual([{ Key: "branchline:env", Value: "staging" }]);
    expect(stack.RoleARN).toBe("arn:aws:iam::123456789012:role/deployer");
    expect(stack.Parameters).toContainEqual({ ParameterKey: "Env", ParameterValue: "staging" });
    const events = await allEvents("Shop-main");
    expect(stackStatuses(events).slice(-3)).toEqual([
      "UPDATE_IN_PROGRESS",
      "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
      "UPDATE_COMPLETE",
    ]);
    expect(events.filter((e) => e.ClientRequestToken === "update-1").length).toBeGreaterThanOrEqual(4);
    const bucket = stack.Outputs!.find((o) => o.OutputKey === "BucketName")!.OutputValue!;
    expect((await aws.s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status).toBe("Suspended");
  });

  it("says 'No updates are to be performed.' when nothing changes", async () => {
    const error = await failure(() =>
      aws.cfn.send(
        new UpdateStackCommand({
          StackName: "Shop-main",
          UsePreviousTemplate: true,
          Parameters: [
            { ParameterKey: "Env", UsePreviousValue: true },
            { ParameterKey: "Versioning", UsePreviousValue: true },
          ],
        }),
      ),
    );
    expect(error.name).toBe("ValidationError");
    expect(error.message).toBe("No updates are to be performed.");
  });

  it("words parameter errors as CloudFormation does", async () => {
    const missing = await failure(() =>
      aws.cfn.send(new CreateStackCommand({ StackName: "params", TemplateBody: BUCKET_TEMPLATE })),
    );
    expect(missing.message).toBe("Parameters: [Env] must have values");
    const unknown = await failure(() =>
      aws.cfn.send(
        new CreateStackCommand({
          StackName: "params",
          TemplateBody: BUCKET_TEMPLATE,
          Parameters: [
            { ParameterKey: "Env", ParameterValue: "a" },
            { ParameterKey: "Nope", ParameterValue: "b" },
          ],
        }),
      ),
    );
    expect(unknown.message).toBe("Parameters: [Nope] do not exist in the template");
    const disallowed = await failure(() =>
      aws.cfn.send(
        new CreateStackCommand({
          StackName: "params",
          TemplateBody: BUCKET_TEMPLATE,
          Parameters: [
            { ParameterKey: "Env", ParameterValue: "a" },
            { ParameterKey: "Versioning", ParameterValue: "Maybe" },
          ],
        }),
      ),
    );
    expect(disallowed.message).toBe("Parameter 'Versioning' must be one of AllowedValues");
    expect((await failure(() => aws.cfn.send(new DescribeStacksCommand({ StackName: "params" })))).message).toBe(
      "Stack with id params does not exist",
    );
  });

  it("words template errors as CloudFormation does", async () => {
    const unresolved = await failure(() =>
      aws.cfn.send(
        new CreateStackCommand({
          StackName: "bad",
          TemplateBody:
            "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Ref Missing\n",
        }),
      ),
    );
    expect(unresolved.name).toBe("ValidationError");
    expect(unresolved.message).toBe(
      "Template format error: Unresolved resource dependencies [Missing] in the Resources block of the template",
    );
    const big = `Resources:\n  B:\n    Type: AWS::S3::Bucket\n# ${"x".repeat(51_200)}\n`;
    const tooBig = await failure(() => aws.cfn.send(new CreateStackCommand({ StackName: "bad", TemplateBody: big })));
    expect(tooBig.message).toMatch(
      /^1 validation error detected: Value '.*' at 'templateBody' failed to satisfy constraint: Member must have length less than or equal to 51200$/s,
    );
    const malformed = await failure(() =>
      aws.cfn.send(new CreateStackCommand({ StackName: "bad", TemplateBody: "Resources: [unclosed" })),
    );
    expect(malformed.message).toMatch(/^Template format error: YAML not well-formed/);
    const noResources = await failure(() =>
      aws.cfn.send(new CreateStackCommand({ StackName: "bad", TemplateBody: "Outputs: {}" })),
    );
    expect(noResources.message).toBe("Template format error: At least one Resources member must be defined.");
    const badName = await failure(() =>
      aws.cfn.send(new CreateStackCommand({ StackName: "bad_name", TemplateBody: BUCKET_TEMPLATE })),
    );
    expect(badName.message).toContain(
      "failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*",
    );
  });

  it("demands CAPABILITY_IAM / CAPABILITY_NAMED_IAM for IAM resources", async () => {
    const template = `Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: named\n      AssumeRolePolicyDocument: {}\n`;
    const error = await failure(() =>
      aws.cfn.send(new CreateStackCommand({ StackName: "iam", TemplateBody: template })),
    );
    expect(error.name).toBe("InsufficientCapabilitiesException");
    expect(error.message).toBe("Requires capabilities : [CAPABILITY_NAMED_IAM]");
    const valid = await aws.cfn.send(new ValidateTemplateCommand({ TemplateBody: template }));
    expect(valid.Capabilities).toEqual(["CAPABILITY_NAMED_IAM"]);
    expect(valid.CapabilitiesReason).toBe("The following resource(s) require capabilities: [AWS::IAM::Role]");
    await aws.cfn.send(
      new CreateStackCommand({ StackName: "iam", TemplateBody: template, Capabilities: ["CAPABILITY_NAMED_IAM"] }),
    );
    expect((await settledStack(aws.cfn, "iam")).StackStatus).toBe("CREATE_COMPLETE");
    expect(aws.emulator.control.roles()).toContainEqual({
      roleName: "named",
      arn: "arn:aws:iam::123456789012:role/named",
    });
  });

  it("validates templates and returns the template a stack was built from", async () => {
    const valid = await aws.cfn.send(new ValidateTemplateCommand({ TemplateBody: BUCKET_TEMPLATE }));
    expect(valid.Description).toBe("one bucket");
    expect(valid.Parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ ParameterKey: "Env", NoEcho: false }),
        expect.objectContaining({ ParameterKey: "Secret", NoEcho: true, DefaultValue: "hush" }),
      ]),
    );
    const template = await aws.cfn.send(new GetTemplateCommand({ StackName: "Shop-main" }));
    expect(template.TemplateBody).toBe(BUCKET_TEMPLATE);
    expect(template.StagesAvailable).toEqual(["Original", "Processed"]);
  });

  it("reads TemplateURL from the emulated S3 in every URL form", async () => {
    await aws.s3.send(new CreateBucketCommand({ Bucket: "templates" }));
    await aws.s3.send(
      new PutObjectCommand({
        Bucket: "templates",
        Key: "dir/t.yml",
        Body: "Resources:\n  W:\n    Type: AWS::SNS::Topic\n",
      }),
    );
    const urls = [
      `${aws.emulator.url}/templates/dir/t.yml`,
      "https://templates.s3.amazonaws.com/dir/t.yml",
      "https://templates.s3.us-east-1.amazonaws.com/dir/t.yml",
      "https://s3.us-east-1.amazonaws.com/templates/dir/t.yml",
    ];
    for (const [i, url] of urls.entries()) {
      await aws.cfn.send(new CreateStackCommand({ StackName: `from-url-${i}`, TemplateURL: url }));
      const stack = await settledStack(aws.cfn, `from-url-${i}`);
      expect(stack.StackStatus).toBe("CREATE_COMPLETE");
    }
    const missing = await failure(() =>
      aws.cfn.send(
        new CreateStackCommand({ StackName: "from-url-x", TemplateURL: "https://templates.s3.amazonaws.com/none.yml" }),
      ),
    );
    expect(missing.name).toBe("ValidationError");
  });

  it("pages DescribeStacks over all stacks with NextToken", async () => {
    for (let i = 0; i < 7; i++) {
      await aws.cfn.send(
        new CreateStackCommand({
          StackName: `many-${i}`,
          TemplateBody: "Resources:\n  T:\n    Type: AWS::SNS::Topic\n",
        }),
      );
    }
    const names: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await aws.cfn.send(new DescribeStacksCommand({ NextToken: token }));
      expect(page.Stacks!.length).toBeLessThanOrEqual(5);
      names.push(...page.Stacks!.map((s) => s.StackName!));
      token = page.NextToken;
      pages++;
    } while (token);
    expect(pages).toBeGreaterThan(1);
    expect(new Set(names).size).toBe(names.length);
    expect(names.filter((n) => n.startsWith("many-"))).toHaveLength(7);
  });
});

describe("CloudFormation deletion", () => {
  const template =
    "Resources:\n  Store:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: doomed-bucket\n";

  it("refuses deletion under termination protection", async () => {
    await aws.cfn.send(
      new CreateStackCommand({ StackName: "doomed", TemplateBody: template, EnableTerminationProtection: true }),
    );
    await settledStack(aws.cfn, "doomed");
    const error = await failure(() => aws.cfn.send(new DeleteStackCommand({ StackName: "doomed" })));
    expect(error.message).toBe("Stack [doomed] cannot be deleted while TerminationProtection is enabled");
    await aws.cfn.send(
      new UpdateTerminationProtectionCommand({ StackName: "doomed", EnableTerminationProtection: false }),
    );
    expect(
      (await aws.cfn.send(new DescribeStacksCommand({ StackName: "doomed" }))).Stacks![0]!.EnableTerminationProtection,
    ).toBe(false);
  });

  it("fails to delete a stack whose bucket holds objects, then succeeds once emptied", async () => {
    await aws.s3.send(new PutObjectCommand({ Bucket: "doomed-bucket", Key: "artifact.zip", Body: "zip" }));
    const retainEarly = await failure(() =>
      aws.cfn.send(new DeleteStackCommand({ StackName: "doomed", RetainResources: ["Store"] })),
    );
    expect(retainEarly.message).toContain(
      "RetainResources can only be specified when the stack is in the DELETE_FAILED state",
    );
    await aws.cfn.send(new DeleteStackCommand({ StackName: "doomed", ClientRequestToken: "delete-1" }));
    const failed = await settledStack(aws.cfn, "doomed");
    expect(failed.StackStatus).toBe("DELETE_FAILED");
    expect(failed.StackStatusReason).toBe("The following resource(s) failed to delete: [Store]. ");
    const events = await allEvents("doomed");
    const resourceFailure = events.find((e) => e.LogicalResourceId === "Store" && e.ResourceStatus === "DELETE_FAILED");
    expect(resourceFailure?.ResourceStatusReason).toMatch(/^The bucket you tried to delete is not empty/);
    expect(resourceFailure?.ClientRequestToken).toBe("delete-1");

    // The same token again is the same request: no second attempt.
    await aws.cfn.send(new DeleteStackCommand({ StackName: "doomed", ClientRequestToken: "delete-1" }));
    expect((await aws.cfn.send(new DescribeStacksCommand({ StackName: "doomed" }))).Stacks![0]!.StackStatus).toBe(
      "DELETE_FAILED",
    );

    await aws.s3.send(new DeleteObjectCommand({ Bucket: "doomed-bucket", Key: "artifact.zip" }));
    await aws.cfn.send(new DeleteStackCommand({ StackName: "doomed", ClientRequestToken: "delete-2" }));
    expect(await stackGone(aws.cfn, "doomed")).toBe("Stack with id doomed does not exist");
    expect((await failure(() => aws.s3.send(new HeadBucketCommand({ Bucket: "doomed-bucket" })))).name).toBe(
      "NotFound",
    );
    const byId = (await aws.cfn.send(new DescribeStacksCommand({ StackName: failed.StackId }))).Stacks![0]!;
    expect(byId.StackStatus).toBe("DELETE_COMPLETE");
    expect(byId.DeletionTime).toBeInstanceOf(Date);
    const all = await aws.cfn.send(new DescribeStacksCommand({}));
    expect(all.Stacks!.some((s) => s.StackName === "doomed")).toBe(false);
  });

  it("keeps resources named in RetainResources when deleting a DELETE_FAILED stack", async () => {
    await aws.cfn.send(
      new CreateStackCommand({ StackName: "keeper", TemplateBody: template.replace("doomed-bucket", "kept-bucket") }),
    );
    await settledStack(aws.cfn, "keeper");
    await aws.s3.send(new PutObjectCommand({ Bucket: "kept-bucket", Key: "k", Body: "k" }));
    await aws.cfn.send(new DeleteStackCommand({ StackName: "keeper" }));
    expect((await settledStack(aws.cfn, "keeper")).StackStatus).toBe("DELETE_FAILED");
    await aws.cfn.send(new DeleteStackCommand({ StackName: "keeper", RetainResources: ["Store"] }));
    await eventually(async () =>
      (await aws.cfn.send(new DescribeStacksCommand({}))).Stacks!.some((s) => s.StackName === "keeper")
        ? undefined
        : true,
    );
    await aws.s3.send(new HeadBucketCommand({ Bucket: "kept-bucket" }));
  });

  it("deletes a stack that does not exist without complaint", async () => {
    await aws.cfn.send(new DeleteStackCommand({ StackName: "never-was" }));
  });
});
