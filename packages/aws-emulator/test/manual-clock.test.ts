import {
  CreateChangeSetCommand,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  UpdateStackCommand,
} from "@aws-sdk/client-cloudformation";
import { GetPipelineExecutionCommand, StartPipelineExecutionCommand } from "@aws-sdk/client-codepipeline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../src/index.js";
import { failure, sandbox, type Sandbox } from "./harness.js";
import { twoStagePipelineTemplate } from "./templates.js";

const clock = new ManualClock();
let aws: Sandbox;
beforeAll(async () => {
  aws = await sandbox({ clock, timing: { stackOperationMs: 1_000, changeSetMs: 1_000, actionMs: 1_000 } });
});
afterAll(async () => {
  await aws.close();
});

const status = async (name: string) =>
  (await aws.cfn.send(new DescribeStacksCommand({ StackName: name }))).Stacks![0]!.StackStatus;

describe("emulated time", () => {
  it("moves a change set through CREATE_PENDING, CREATE_IN_PROGRESS and CREATE_COMPLETE only as time passes", async () => {
    const { Id } = await aws.cfn.send(
      new CreateChangeSetCommand({
        StackName: "clocked",
        ChangeSetName: "c1",
        ChangeSetType: "CREATE",
        TemplateBody: "Resources:\n  T:\n    Type: AWS::SNS::Topic\n",
      }),
    );
    const describe = () => aws.cfn.send(new DescribeChangeSetCommand({ ChangeSetName: Id }));
    expect((await describe()).Status).toBe("CREATE_PENDING");
    const early = await failure(() => aws.cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: Id })));
    expect(early.name).toBe("InvalidChangeSetStatusException");
    expect(early.message).toBe(`ChangeSet [${Id}] cannot be executed in its current status of [CREATE_PENDING]`);
    await clock.advance(500);
    expect((await describe()).Status).toBe("CREATE_IN_PROGRESS");
    await clock.advance(500);
    expect((await describe()).Status).toBe("CREATE_COMPLETE");

    await aws.cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: Id }));
    expect(await status("clocked")).toBe("CREATE_IN_PROGRESS");
    expect((await describe()).ExecutionStatus).toBe("EXECUTE_IN_PROGRESS");
    await clock.advance(999);
    expect(await status("clocked")).toBe("CREATE_IN_PROGRESS");
    await clock.advance(1);
    expect(await status("clocked")).toBe("CREATE_COMPLETE");
    expect((await describe()).ExecutionStatus).toBe("EXECUTE_COMPLETE");
  });

  it("refuses updates and deletes while a stack operation is in progress", async () => {
    const body = "Resources:\n  T:\n    Type: AWS::SNS::Topic\n";
    await aws.cfn.send(new CreateStackCommand({ StackName: "busy", TemplateBody: body }));
    expect(await status("busy")).toBe("CREATE_IN_PROGRESS");
    const update = await failure(() =>
      aws.cfn.send(new UpdateStackCommand({ StackName: "busy", TemplateBody: body.replace("T:", "U:") })),
    );
    expect(update.message).toMatch(
      /^Stack:arn:aws:cloudformation:us-east-1:123456789012:stack\/busy\/.* is in CREATE_IN_PROGRESS state and can not be updated\.$/,
    );
    const remove = await failure(() => aws.cfn.send(new DeleteStackCommand({ StackName: "busy" })));
    expect(remove.message).toBe("Stack [busy] cannot be deleted while in status CREATE_IN_PROGRESS");
    await clock.advance(1_000);
    expect(await status("busy")).toBe("CREATE_COMPLETE");
    await aws.cfn.send(new UpdateStackCommand({ StackName: "busy", TemplateBody: body.replace("T:", "U:") }));
    expect(await status("busy")).toBe("UPDATE_IN_PROGRESS");
    await clock.advance(600);
    expect(await status("busy")).toBe("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS");
    const cleanup = await failure(() =>
      aws.cfn.send(new UpdateStackCommand({ StackName: "busy", TemplateBody: body })),
    );
    expect(cleanup.message).toContain("is in UPDATE_COMPLETE_CLEANUP_IN_PROGRESS state and can not be updated.");
    await clock.advance(1_000);
    expect(await status("busy")).toBe("UPDATE_COMPLETE");
  });

  it("advances a pipeline execution action by action on the clock", async () => {
    await aws.cfn.send(
      new CreateStackCommand({
        StackName: "clocked-pipeline",
        TemplateBody: twoStagePipelineTemplate("clocked-pipe"),
        Capabilities: ["CAPABILITY_IAM"],
      }),
    );
    await clock.advance(1_000);
    expect(await status("clocked-pipeline")).toBe("CREATE_COMPLETE");
    const { pipelineExecutionId } = await aws.pipelines.send(
      new StartPipelineExecutionCommand({ name: "clocked-pipe" }),
    );
    const get = async () =>
      (await aws.pipelines.send(new GetPipelineExecutionCommand({ pipelineName: "clocked-pipe", pipelineExecutionId })))
        .pipelineExecution!.status;
    expect(await get()).toBe("InProgress");
    await clock.advance(10_000);
    expect(await get()).toBe("Succeeded");
  });
});
