import {
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  ListChangeSetsCommand,
  type DescribeChangeSetCommandOutput,
} from "@aws-sdk/client-cloudformation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, failure, sandbox, settledStack, stackGone, type Sandbox } from "./harness.js";

let aws: Sandbox;
beforeAll(async () => {
  aws = await sandbox();
});
afterAll(async () => {
  await aws.close();
});

function template(bucketName: string, extra = ""): string {
  return `
Parameters:
  Topic:
    Type: String
    Default: first
Resources:
  Store:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: ${bucketName}
  Notes:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: !Ref Topic
      Tags:
        - Key: bucket
          Value: !Ref Store
${extra}`;
}

async function settledChangeSet(name: string, stackName: string): Promise<DescribeChangeSetCommandOutput> {
  return eventually(async () => {
    const cs = await aws.cfn.send(new DescribeChangeSetCommand({ ChangeSetName: name, StackName: stackName }));
    return cs.Status === "CREATE_PENDING" || cs.Status === "CREATE_IN_PROGRESS" ? undefined : cs;
  });
}

describe("CloudFormation change sets", () => {
  it("creates a stack through a CREATE change set, from REVIEW_IN_PROGRESS", async () => {
    const created = await aws.cfn.send(
      new CreateChangeSetCommand({
        StackName: "cs-stack",
        ChangeSetName: "first",
        ChangeSetType: "CREATE",
        TemplateBody: template("cs-bucket-one"),
        ClientToken: "cs-token-1",
        Tags: [{ Key: "env", Value: "branch" }],
      }),
    );
    expect(created.Id).toMatch(/^arn:aws:cloudformation:us-east-1:123456789012:changeSet\/first\/[0-9a-f-]{36}$/);
    const review = (await aws.cfn.send(new DescribeStacksCommand({ StackName: "cs-stack" }))).Stacks![0]!;
    expect(review.StackStatus).toBe("REVIEW_IN_PROGRESS");
    expect(review.StackId).toBe(created.StackId);

    // Same ClientToken: the same change set, not a second one.
    const again = await aws.cfn.send(
      new CreateChangeSetCommand({
        StackName: "cs-stack",
        ChangeSetName: "first",
        ChangeSetType: "CREATE",
        TemplateBody: template("cs-bucket-one"),
        ClientToken: "cs-token-1",
      }),
    );
    expect(again.Id).toBe(created.Id);

    const ready = await settledChangeSet("first", "cs-stack");
    expect(ready.Status).toBe("CREATE_COMPLETE");
    expect(ready.ExecutionStatus).toBe("AVAILABLE");
    expect(ready.Tags).toEqual([{ Key: "env", Value: "branch" }]);
    expect(ready.Parameters).toEqual([{ ParameterKey: "Topic", ParameterValue: "first" }]);
    expect(
      ready.Changes?.map((c) => [
        c.Type,
        c.ResourceChange?.Action,
        c.ResourceChange?.LogicalResourceId,
        c.ResourceChange?.ResourceType,
      ]),
    ).toEqual([
      ["Resource", "Add", "Store", "AWS::S3::Bucket"],
      ["Resource", "Add", "Notes", "AWS::SNS::Topic"],
    ]);
    const listed = await aws.cfn.send(new ListChangeSetsCommand({ StackName: "cs-stack" }));
    expect(listed.Summaries?.map((s) => [s.ChangeSetName, s.Status, s.ExecutionStatus])).toEqual([
      ["first", "CREATE_COMPLETE", "AVAILABLE"],
    ]);

    await aws.cfn.send(
      new ExecuteChangeSetCommand({ ChangeSetName: "first", StackName: "cs-stack", ClientRequestToken: "exec-1" }),
    );
    const stack = await settledStack(aws.cfn, "cs-stack");
    expect(stack.StackStatus).toBe("CREATE_COMPLETE");
    expect(stack.ChangeSetId).toBe(created.Id);
    expect(stack.Tags).toEqual([{ Key: "env", Value: "branch" }]);
    const executed = await aws.cfn.send(new DescribeChangeSetCommand({ ChangeSetName: created.Id }));
    expect(executed.ExecutionStatus).toBe("EXECUTE_COMPLETE");
    expect((await aws.cfn.send(new ListChangeSetsCommand({ StackName: "cs-stack" }))).Summaries).toEqual([]);
    const events = (await aws.cfn.send(new DescribeStackEventsCommand({ StackName: "cs-stack" }))).StackEvents!;
    expect(
      events.filter((e) => e.ResourceStatus === "CREATE_COMPLETE").every((e) => e.ClientRequestToken === "exec-1"),
    ).toBe(true);
    expect(events.at(-1)).toMatchObject({ ResourceStatus: "REVIEW_IN_PROGRESS" });
  });

  it("describes Modify with Replacement True, False and Conditional, and Remove", async () => {
    // The bucket's name changes (replacement), and the topic's name follows the new bucket's (not known yet).
    const next = template("cs-bucket-two", "  Extra:\n    Type: AWS::SNS::Topic\n").replace(
      "TopicName: !Ref Topic",
      'TopicName: !Sub "${Store}-notes"',
    );
    await aws.cfn.send(
      new CreateChangeSetCommand({
        StackName: "cs-stack",
        ChangeSetName: "replace",
        TemplateBody: next,
        Parameters: [{ ParameterKey: "Topic", ParameterValue: "second" }],
      }),
    );
    const cs = await settledChangeSet("replace", "cs-stack");
    expect(cs.Status).toBe("CREATE_COMPLETE");
    const byId = Object.fromEntries(cs.Changes!.map((c) => [c.ResourceChange!.LogicalResourceId, c.ResourceChange!]));
    expect(byId.Store).toMatchObject({
      Action: "Modify",
      Replacement: "True",
      PhysicalResourceId: "cs-bucket-one",
      Scope: ["Properties"],
    });
    expect(byId.Store!.Details?.[0]?.Target).toMatchObject({
      Attribute: "Properties",
      Name: "BucketName",
      RequiresRecreation: "Always",
    });
    // Notes' TopicName changes to a known value (a Name property: replacement) and its tag depends on the new bucket.
    expect(byId.Notes).toMatchObject({ Action: "Modify", ResourceType: "AWS::SNS::Topic", Replacement: "Conditional" });
    expect(byId.Extra).toMatchObject({ Action: "Add" });
    await aws.cfn.send(new DeleteChangeSetCommand({ ChangeSetName: "replace", StackName: "cs-stack" }));
    await aws.cfn.send(
      new CreateChangeSetCommand({
        StackName: "cs-stack",
        ChangeSetName: "retag",
        TemplateBody: template("cs-bucket-one").replace("Value: !Ref Store", "Value: fixed"),
      }),
    );
    const retag = await settledChangeSet("retag", "cs-stack");
    expect(
      retag.Changes!.map((c) => [
        c.ResourceChange!.Action,
        c.ResourceChange!.LogicalResourceId,
        c.ResourceChange!.Replacement,
      ]),
    ).toEqual([["Modify", "Notes", "False"]]);
    await aws.cfn.send(new DeleteChangeSetCommand({ ChangeSetName: "retag", StackName: "cs-stack" }));
    const gone = await failure(() =>
      aws.cfn.send(new DescribeChangeSetCommand({ ChangeSetName: "replace", StackName: "cs-stack" })),
    );
    expect(gone.name).toBe("ChangeSetNotFoundException");
    expect(gone.message).toBe("ChangeSet [replace] does not exist");

    await aws.cfn.send(
      new CreateChangeSetCommand({
        StackName: "cs-stack",
        ChangeSetName: "remove",
        TemplateBody:
          "Resources:\n  Store:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: cs-bucket-one\n",
      }),
    );
    const removal = await settledChangeSet("remove", "cs-stack");
    expect(
      removal.Changes!.map((c) => [
        c.ResourceChange!.Action,
        c.ResourceChange!.LogicalResourceId,
        c.ResourceChange!.Replacement,
      ]),
    ).toEqual([["Remove", "Notes", undefined]]);

    await aws.cfn.send(
      new CreateChangeSetCommand({
        StackName: "cs-stack",
        ChangeSetName: "in-place",
        UsePreviousTemplate: true,
        Parameters: [{ ParameterKey: "Topic", ParameterValue: "third" }],
      }),
    );
    const inPlace = await settledChangeSet("in-place", "cs-stack");
    expect(inPlace.Changes!.map((c) => [c.ResourceChange!.LogicalResourceId, c.ResourceChange!.Replacement])).toEqual([
      ["Notes", "True"],
    ]);
    const twoListed = await aws.cfn.send(new ListChangeSetsCommand({ StackName: "cs-stack" }));
    expect(twoListed.Summaries!.map((s) => s.ChangeSetName).sort()).toEqual(["in-place", "remove"]);
    const duplicate = await failure(() =>
      aws.cfn.send(
        new CreateChangeSetCommand({ StackName: "cs-stack", ChangeSetName: "remove", UsePreviousTemplate: true }),
      ),
    );
    expect(duplicate.name).toBe("AlreadyExistsException");
  });

  it("marks a change set with nothing to change FAILED and UNAVAILABLE, in AWS's words", async () => {
    await aws.cfn.send(
      new CreateChangeSetCommand({
        StackName: "cs-stack",
        ChangeSetName: "empty",
        UsePreviousTemplate: true,
        Parameters: [{ ParameterKey: "Topic", UsePreviousValue: true }],
      }),
    );
    const empty = await settledChangeSet("empty", "cs-stack");
    expect(empty.Status).toBe("FAILED");
    expect(empty.ExecutionStatus).toBe("UNAVAILABLE");
    expect(empty.StatusReason).toBe(
      "The submitted information didn't contain changes. Submit different information to create a change set.",
    );
    expect(empty.Changes).toEqual([]);
  });

  it("executes an UPDATE change set once per token and clears the other change sets", async () => {
    await aws.cfn.send(
      new ExecuteChangeSetCommand({ ChangeSetName: "remove", StackName: "cs-stack", ClientRequestToken: "exec-2" }),
    );
    await aws.cfn.send(
      new ExecuteChangeSetCommand({ ChangeSetName: "remove", StackName: "cs-stack", ClientRequestToken: "exec-2" }),
    );
    const stack = await settledStack(aws.cfn, "cs-stack");
    expect(stack.StackStatus).toBe("UPDATE_COMPLETE");
    expect((await aws.cfn.send(new ListChangeSetsCommand({ StackName: "cs-stack" }))).Summaries).toEqual([]);
    const updates = (await aws.cfn.send(new DescribeStackEventsCommand({ StackName: "cs-stack" }))).StackEvents!.filter(
      (e) => e.ResourceType === "AWS::CloudFormation::Stack" && e.ResourceStatus === "UPDATE_IN_PROGRESS",
    );
    expect(updates).toHaveLength(1);
    expect(
      aws.emulator.control
        .stacks()
        .find((s) => s.stackName === "cs-stack")
        ?.resources.map((r) => r.logicalId),
    ).toEqual(["Store"]);
  });

  it("refuses CREATE for an existing stack and UPDATE for a missing one", async () => {
    const exists = await failure(() =>
      aws.cfn.send(
        new CreateChangeSetCommand({
          StackName: "cs-stack",
          ChangeSetName: "again",
          ChangeSetType: "CREATE",
          TemplateBody: template("x-bucket"),
        }),
      ),
    );
    expect(exists.message).toBe(
      "Stack [cs-stack] already exists and cannot be created again with the changeSet [again].",
    );
    const missing = await failure(() =>
      aws.cfn.send(
        new CreateChangeSetCommand({ StackName: "no-stack", ChangeSetName: "u", TemplateBody: template("y-bucket") }),
      ),
    );
    expect(missing.name).toBe("ValidationError");
    expect(missing.message).toBe("Stack [no-stack] does not exist");
  });

  it("deletes a REVIEW_IN_PROGRESS stack whose change set was never executed", async () => {
    await aws.cfn.send(
      new CreateChangeSetCommand({
        StackName: "review-only",
        ChangeSetName: "c",
        ChangeSetType: "CREATE",
        TemplateBody: template("review-bucket"),
      }),
    );
    await settledChangeSet("c", "review-only");
    await aws.cfn.send(new DeleteChangeSetCommand({ ChangeSetName: "c", StackName: "review-only" }));
    expect((await aws.cfn.send(new DescribeStacksCommand({ StackName: "review-only" }))).Stacks![0]!.StackStatus).toBe(
      "REVIEW_IN_PROGRESS",
    );
    await aws.cfn.send(new DeleteStackCommand({ StackName: "review-only" }));
    expect(await stackGone(aws.cfn, "review-only")).toBe("Stack with id review-only does not exist");
  });
  it("replaces stateful resources whose replacement properties change, as AWS's resource reference says (databases, tables, security groups)", async () => {
    const stateful = (db: string, keyName: string, group: string) => `
Resources:
  Database:
    Type: AWS::RDS::DBInstance
    Properties: { DBInstanceIdentifier: ${db}, Engine: postgres, DBInstanceClass: db.t3.micro, AllocatedStorage: "20" }
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      KeySchema: [{ AttributeName: ${keyName}, KeyType: HASH }]
      AttributeDefinitions: [{ AttributeName: ${keyName}, AttributeType: S }]
      BillingMode: PAY_PER_REQUEST
  Web:
    Type: AWS::EC2::SecurityGroup
    Properties: { GroupDescription: ${group} }
`;
    await aws.cfn.send(
      new CreateChangeSetCommand({
        StackName: "cs-stateful",
        ChangeSetName: "make",
        ChangeSetType: "CREATE",
        TemplateBody: stateful("orders", "id", "web"),
      }),
    );
    await settledChangeSet("make", "cs-stateful");
    await aws.cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: "make", StackName: "cs-stateful" }));
    await settledStack(aws.cfn, "cs-stateful");

    await aws.cfn.send(
      new CreateChangeSetCommand({
        StackName: "cs-stateful",
        ChangeSetName: "rename",
        TemplateBody: stateful("orders-v2", "orderId", "web servers"),
      }),
    );
    const renamed = await settledChangeSet("rename", "cs-stateful");
    expect(
      renamed.Changes!.map((c) => [
        c.ResourceChange!.LogicalResourceId,
        c.ResourceChange!.ResourceType,
        c.ResourceChange!.Replacement,
      ]),
    ).toEqual([
      ["Database", "AWS::RDS::DBInstance", "True"],
      ["Orders", "AWS::DynamoDB::Table", "True"],
      ["Web", "AWS::EC2::SecurityGroup", "True"],
    ]);
    await aws.cfn.send(new DeleteChangeSetCommand({ ChangeSetName: "rename", StackName: "cs-stateful" }));

    // A property that is updated in place (the instance class) is a modification, not a replacement.
    await aws.cfn.send(
      new CreateChangeSetCommand({
        StackName: "cs-stateful",
        ChangeSetName: "resize",
        TemplateBody: stateful("orders", "id", "web").replace("db.t3.micro", "db.t3.small"),
      }),
    );
    const resized = await settledChangeSet("resize", "cs-stateful");
    expect(resized.Changes!.map((c) => [c.ResourceChange!.LogicalResourceId, c.ResourceChange!.Replacement])).toEqual([
      ["Database", "False"],
    ]);
    await aws.cfn.send(new DeleteChangeSetCommand({ ChangeSetName: "resize", StackName: "cs-stateful" }));
  });
});
