import { existsSync, readFileSync } from "node:fs";
import {
  CreateChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  ExecuteChangeSetCommand,
} from "@aws-sdk/client-cloudformation";
import {
  GetPipelineStateCommand,
  ListActionExecutionsCommand,
  PutApprovalResultCommand,
  StartPipelineExecutionCommand,
  GetPipelineExecutionCommand,
} from "@aws-sdk/client-codepipeline";
import { DeleteObjectsCommand, ListObjectVersionsCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  eventually,
  sandbox,
  settledStack,
  stackGone,
  type Sandbox,
} from "../../packages/aws-emulator/test/harness.js";

let aws: Sandbox;
beforeAll(async () => {
  aws = await sandbox();
});
afterAll(async () => {
  await aws.close();
});

const fixture = readFileSync(new URL("../fixtures/templates/realistic-pipeline.yml", import.meta.url), "utf8");
const CONNECTION = "arn:aws:codeconnections:us-east-1:123456789012:connection/0b1f2c3d-aaaa-bbbb-cccc-1234567890ab";
const COMMIT = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b";

async function createThroughChangeSet(
  stackName: string,
  templateBody: string,
  parameters: Record<string, string>,
): Promise<Record<string, string>> {
  const { Id } = await aws.cfn.send(
    new CreateChangeSetCommand({
      StackName: stackName,
      ChangeSetName: "create",
      ChangeSetType: "CREATE",
      TemplateBody: templateBody,
      Parameters: Object.entries(parameters).map(([ParameterKey, ParameterValue]) => ({
        ParameterKey,
        ParameterValue,
      })),
      Capabilities: ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
      Tags: [{ Key: "branchline:environment", Value: stackName }],
    }),
  );
  const changeSet = await eventually(async () => {
    const cs = await aws.cfn.send(new DescribeChangeSetCommand({ ChangeSetName: Id }));
    return cs.Status === "CREATE_COMPLETE" || cs.Status === "FAILED" ? cs : undefined;
  });
  expect(changeSet.StatusReason).toBeUndefined();
  expect(changeSet.Status).toBe("CREATE_COMPLETE");
  await aws.cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: Id }));
  const stack = await settledStack(aws.cfn, stackName);
  expect(stack.StackStatus).toBe("CREATE_COMPLETE");
  return Object.fromEntries((stack.Outputs ?? []).map((o) => [o.OutputKey!, o.OutputValue!]));
}

async function approvalToken(pipeline: string, stage: string, executionId: string): Promise<string> {
  return eventually(async () => {
    const state = await aws.pipelines.send(new GetPipelineStateCommand({ name: pipeline }));
    const stageState = state.stageStates!.find((s) => s.stageName === stage)!;
    return stageState.latestExecution?.pipelineExecutionId === executionId
      ? stageState.actionStates![0]!.latestExecution?.token
      : undefined;
  });
}

async function finished(pipeline: string, id: string): Promise<string> {
  return eventually(async () => {
    const status = (
      await aws.pipelines.send(new GetPipelineExecutionCommand({ pipelineName: pipeline, pipelineExecutionId: id }))
    ).pipelineExecution!.status!;
    return status === "InProgress" ? undefined : status;
  });
}

async function emptyBucket(bucket: string): Promise<void> {
  const versions = await aws.s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
  const objects = [...(versions.Versions ?? []), ...(versions.DeleteMarkers ?? [])].map((v) => ({
    Key: v.Key!,
    VersionId: v.VersionId!,
  }));
  if (objects.length > 0)
    await aws.s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }));
}

describe("smoke: a realistic pipeline stack", () => {
  it("creates every resource, runs a pinned commit through build, approval and deploy, and deletes cleanly", async () => {
    const outputs = await createThroughChangeSet("shop-feature-login", fixture, {
      Repository: "octo/shop",
      Branch: "feature/login",
      ConnectionArn: CONNECTION,
    });
    expect(outputs.PipelineName).toBe("shop-feature-login-pipeline");
    expect(outputs.BuildProjectArn).toBe("arn:aws:codebuild:us-east-1:123456789012:project/shop-feature-login-build");
    const view = aws.emulator.control;
    expect(view.buckets().find((b) => b.name === outputs.ArtifactBucketName)?.versioning).toBe("Enabled");
    expect(view.roles().filter((r) => r.roleName.startsWith("shop-feature-login-"))).toHaveLength(3);
    expect(view.projects()).toContain("shop-feature-login-build");
    expect(view.pipelines().find((p) => p.name === "shop-feature-login-pipeline")).toMatchObject({
      pipelineType: "V2",
      executionMode: "QUEUED",
      stages: ["Source", "Build", "Approve", "Deploy"],
    });

    // The execution CreatePipeline started waits at the approval; reject it, then run a pinned commit.
    const first = view.executions("shop-feature-login-pipeline").at(-1)!;
    expect(first.triggerType).toBe("CreatePipeline");
    const pipeline = "shop-feature-login-pipeline";
    const firstToken = await approvalToken(pipeline, "Approve", first.pipelineExecutionId);
    await aws.pipelines.send(
      new PutApprovalResultCommand({
        pipelineName: pipeline,
        stageName: "Approve",
        actionName: "Approval",
        token: firstToken,
        result: { status: "Rejected", summary: "not this one" },
      }),
    );
    expect(await finished(pipeline, first.pipelineExecutionId)).toBe("Failed");

    const { pipelineExecutionId } = await aws.pipelines.send(
      new StartPipelineExecutionCommand({
        name: pipeline,
        clientRequestToken: "delivery-1",
        sourceRevisions: [{ actionName: "Source", revisionType: "COMMIT_ID", revisionValue: COMMIT }],
      }),
    );
    const token = await approvalToken(pipeline, "Approve", pipelineExecutionId!);
    await aws.pipelines.send(
      new PutApprovalResultCommand({
        pipelineName: pipeline,
        stageName: "Approve",
        actionName: "Approval",
        token,
        result: { status: "Approved", summary: "LGTM" },
      }),
    );
    expect(await finished(pipeline, pipelineExecutionId!)).toBe("Succeeded");
    const actions = (
      await aws.pipelines.send(
        new ListActionExecutionsCommand({ pipelineName: pipeline, filter: { pipelineExecutionId } }),
      )
    ).actionExecutionDetails!;
    expect(actions.map((a) => a.actionName).reverse()).toEqual(["Source", "Build", "Approval", "Deploy", "Smoke"]);
    expect(actions.find((a) => a.actionName === "Source")!.output!.executionResult!.externalExecutionId).toBe(COMMIT);
    expect(actions.find((a) => a.actionName === "Deploy")!.output!.executionResult!.externalExecutionSummary).toBe(
      "Stack shop-feature-login-app is CREATE_COMPLETE.",
    );
    // The deploy action made the application stack, with the pipeline stack's deploy role.
    const app = view.stacks().find((s) => s.stackName === "shop-feature-login-app")!;
    expect(app).toMatchObject({
      status: "CREATE_COMPLETE",
      roleArn: expect.stringMatching(/role\/shop-feature-login-DeployRole-/),
    });

    // Artifacts left in the versioned bucket block deletion until every version is gone.
    await aws.s3.send(
      new PutObjectCommand({
        Bucket: outputs.ArtifactBucketName,
        Key: "shop-feature-login/SourceOutput/abc.zip",
        Body: "zip",
      }),
    );
    await aws.cfn.send(new DeleteStackCommand({ StackName: "shop-feature-login" }));
    expect((await settledStack(aws.cfn, "shop-feature-login")).StackStatus).toBe("DELETE_FAILED");
    await emptyBucket(outputs.ArtifactBucketName!);
    await aws.cfn.send(new DeleteStackCommand({ StackName: "shop-feature-login" }));
    await stackGone(aws.cfn, "shop-feature-login");
    expect(view.pipelines().map((p) => p.name)).not.toContain(pipeline);
    expect(view.roles().filter((r) => r.roleName.startsWith("shop-feature-login-"))).toEqual([]);
    expect(view.projects()).not.toContain("shop-feature-login-build");
    // Nothing deletes what the pipeline deployed: the application stack stays, its role gone with the pipeline stack.
    expect(view.stacks().find((s) => s.stackName === "shop-feature-login-app")?.status).toBe("CREATE_COMPLETE");
    await aws.cfn.send(
      new DeleteStackCommand({
        StackName: "shop-feature-login-app",
        RoleARN: "arn:aws:iam::123456789012:role/branchline-branch-deployer",
      }),
    );
    await stackGone(aws.cfn, "shop-feature-login-app");
  });

  const shipped = new URL("../../templates/pipeline.yml", import.meta.url);
  it("creates and runs the shipped templates/pipeline.yml", async () => {
    expect(existsSync(shipped)).toBe(true);
    const outputs = await createThroughChangeSet("branchline-shop-br-main", readFileSync(shipped, "utf8"), {
      BranchlineRepository: "octo/shop",
      BranchlineRef: "refs/heads/main",
      BranchlineSourceBranch: "main",
      BranchlineEnvironmentKind: "branch",
      BranchlineEnvironment: "br-main",
      BranchlinePipelineName: "branchline-shop-br-main",
      ConnectionArn: CONNECTION,
      PermissionsBoundaryArn: "arn:aws:iam::123456789012:policy/branchline-boundary",
      DeployPolicyArn: "arn:aws:iam::123456789012:policy/branchline-deploy",
    });
    const pipeline = outputs.PipelineName!;
    expect(pipeline).toBeTruthy();
    const { pipelineExecutionId } = await aws.pipelines.send(
      new StartPipelineExecutionCommand({
        name: pipeline,
        sourceRevisions: [{ actionName: outputs.SourceActionName!, revisionType: "COMMIT_ID", revisionValue: COMMIT }],
      }),
    );
    expect(await finished(pipeline, pipelineExecutionId!)).toBe("Succeeded");
  });
});
