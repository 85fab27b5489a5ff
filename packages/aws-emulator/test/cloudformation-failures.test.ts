import {
  ContinueUpdateRollbackCommand,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  UpdateStackCommand,
} from "@aws-sdk/client-cloudformation";
import { GetBucketVersioningCommand, HeadBucketCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { failure, sandbox, settledStack, stackGone, type Sandbox } from "./harness.js";

let aws: Sandbox;
beforeAll(async () => {
  aws = await sandbox();
});
afterAll(async () => {
  await aws.close();
});

function twoBuckets(prefix: string, versioning = "Suspended"): string {
  return `
Resources:
  First:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: ${prefix}-first
      VersioningConfiguration: { Status: ${versioning} }
  Second:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: ${prefix}-second
      Tags: [{ Key: after, Value: !Ref First }]
`;
}

async function resourceEvent(stackName: string, logicalId: string, status: string) {
  const events = (await aws.cfn.send(new DescribeStackEventsCommand({ StackName: stackName }))).StackEvents!;
  return events.find((e) => e.LogicalResourceId === logicalId && e.ResourceStatus === status);
}

describe("scripted stack failures", () => {
  it("rolls back a failed create to ROLLBACK_COMPLETE, after which only delete is allowed", async () => {
    aws.emulator.control.failStack({
      stackName: "feature-*",
      operation: "create",
      resource: "Second",
      reason: "Bucket policy is malformed",
    });
    await aws.cfn.send(new CreateStackCommand({ StackName: "feature-x", TemplateBody: twoBuckets("fx") }));
    const stack = await settledStack(aws.cfn, "feature-x");
    expect(stack.StackStatus).toBe("ROLLBACK_COMPLETE");
    expect((await resourceEvent("feature-x", "feature-x", "ROLLBACK_IN_PROGRESS"))?.ResourceStatusReason).toBe(
      "The following resource(s) failed to create: [Second]. Rollback requested by user.",
    );
    expect((await resourceEvent("feature-x", "Second", "CREATE_FAILED"))?.ResourceStatusReason).toBe(
      "Bucket policy is malformed",
    );
    expect(await resourceEvent("feature-x", "First", "DELETE_COMPLETE")).toBeDefined();
    expect((await failure(() => aws.s3.send(new HeadBucketCommand({ Bucket: "fx-first" })))).name).toBe("NotFound");

    const update = await failure(() =>
      aws.cfn.send(new UpdateStackCommand({ StackName: "feature-x", TemplateBody: twoBuckets("fx") })),
    );
    expect(update.message).toBe(`Stack:${stack.StackId} is in ROLLBACK_COMPLETE state and can not be updated.`);
    await aws.cfn.send(new DeleteStackCommand({ StackName: "feature-x" }));
    await stackGone(aws.cfn, "feature-x");
    aws.emulator.control.clearStackFailures();
  });

  it("rolls back a failed update to UPDATE_ROLLBACK_COMPLETE and restores the resources", async () => {
    await aws.cfn.send(new CreateStackCommand({ StackName: "upd", TemplateBody: twoBuckets("upd") }));
    expect((await settledStack(aws.cfn, "upd")).StackStatus).toBe("CREATE_COMPLETE");
    aws.emulator.control.failStack({ stackName: "upd", operation: "update", reason: "Access denied", times: 1 });
    await aws.cfn.send(new UpdateStackCommand({ StackName: "upd", TemplateBody: twoBuckets("upd", "Enabled") }));
    const stack = await settledStack(aws.cfn, "upd");
    expect(stack.StackStatus).toBe("UPDATE_ROLLBACK_COMPLETE");
    expect((await resourceEvent("upd", "upd", "UPDATE_ROLLBACK_IN_PROGRESS"))?.ResourceStatusReason).toBe(
      "The following resource(s) failed to update: [First]. ",
    );
    expect((await resourceEvent("upd", "First", "UPDATE_FAILED"))?.ResourceStatusReason).toBe("Access denied");
    const statuses = (await aws.cfn.send(new DescribeStackEventsCommand({ StackName: "upd" })))
      .StackEvents!.filter((e) => e.ResourceType === "AWS::CloudFormation::Stack")
      .map((e) => e.ResourceStatus)
      .reverse();
    expect(statuses.slice(-4)).toEqual([
      "UPDATE_IN_PROGRESS",
      "UPDATE_ROLLBACK_IN_PROGRESS",
      "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
      "UPDATE_ROLLBACK_COMPLETE",
    ]);
    expect((await aws.s3.send(new GetBucketVersioningCommand({ Bucket: "upd-first" }))).Status).toBeUndefined();

    // UPDATE_ROLLBACK_COMPLETE is updatable again, and the script was used up.
    await aws.cfn.send(new UpdateStackCommand({ StackName: "upd", TemplateBody: twoBuckets("upd", "Enabled") }));
    expect((await settledStack(aws.cfn, "upd")).StackStatus).toBe("UPDATE_COMPLETE");
    expect((await aws.s3.send(new GetBucketVersioningCommand({ Bucket: "upd-first" }))).Status).toBe("Enabled");
  });

  it("sticks in UPDATE_ROLLBACK_FAILED until ContinueUpdateRollback", async () => {
    aws.emulator.control.failStack({ stackName: "upd", operation: "update", resource: "Second", times: 1 });
    aws.emulator.control.failStack({
      stackName: "upd",
      operation: "update-rollback",
      reason: "Role was deleted",
      times: 1,
    });
    await aws.cfn.send(
      new UpdateStackCommand({
        StackName: "upd",
        TemplateBody: twoBuckets("upd", "Suspended").replace("after", "later"),
      }),
    );
    const stuck = await settledStack(aws.cfn, "upd");
    expect(stuck.StackStatus).toBe("UPDATE_ROLLBACK_FAILED");
    expect(await resourceEvent("upd", "Second", "UPDATE_FAILED")).toBeDefined();
    const refused = await failure(() =>
      aws.cfn.send(new UpdateStackCommand({ StackName: "upd", UsePreviousTemplate: true })),
    );
    expect(refused.message).toBe(`Stack:${stuck.StackId} is in UPDATE_ROLLBACK_FAILED state and can not be updated.`);

    await aws.cfn.send(new ContinueUpdateRollbackCommand({ StackName: "upd", ClientRequestToken: "continue-1" }));
    const recovered = await settledStack(aws.cfn, "upd");
    expect(recovered.StackStatus).toBe("UPDATE_ROLLBACK_COMPLETE");
    expect((await aws.s3.send(new GetBucketVersioningCommand({ Bucket: "upd-first" }))).Status).toBe("Enabled");
    const notStuck = await failure(() => aws.cfn.send(new ContinueUpdateRollbackCommand({ StackName: "upd" })));
    expect(notStuck.name).toBe("ValidationError");
  });

  it("fails a delete on demand (DELETE_FAILED), and a later delete succeeds", async () => {
    aws.emulator.control.failStack({
      stackName: "upd",
      operation: "delete",
      resource: "First",
      reason: "Resource is in use",
      times: 1,
    });
    await aws.cfn.send(new DeleteStackCommand({ StackName: "upd" }));
    const failed = await settledStack(aws.cfn, "upd");
    expect(failed.StackStatus).toBe("DELETE_FAILED");
    expect(failed.StackStatusReason).toBe("The following resource(s) failed to delete: [First]. ");
    expect((await resourceEvent("upd", "First", "DELETE_FAILED"))?.ResourceStatusReason).toBe("Resource is in use");
    // The dependant went first and is gone; the failed one remains.
    expect((await failure(() => aws.s3.send(new HeadBucketCommand({ Bucket: "upd-second" })))).name).toBe("NotFound");
    await aws.s3.send(new HeadBucketCommand({ Bucket: "upd-first" }));
    await aws.cfn.send(new DeleteStackCommand({ StackName: "upd" }));
    expect(await stackGone(aws.cfn, "upd")).toBe("Stack with id upd does not exist");
    expect((await aws.cfn.send(new DescribeStacksCommand({ StackName: failed.StackId }))).Stacks![0]!.StackStatus).toBe(
      "DELETE_COMPLETE",
    );
  });

  it("keeps the stack when DisableRollback is set on a failed create (CREATE_FAILED)", async () => {
    aws.emulator.control.failStack({ stackName: "no-rollback", operation: "create", times: 1 });
    await aws.cfn.send(
      new CreateStackCommand({ StackName: "no-rollback", TemplateBody: twoBuckets("nr"), DisableRollback: true }),
    );
    const stack = await settledStack(aws.cfn, "no-rollback");
    expect(stack.StackStatus).toBe("CREATE_FAILED");
    expect(stack.DisableRollback).toBe(true);
  });
});
