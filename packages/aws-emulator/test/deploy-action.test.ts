import {
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStacksCommand,
  type Stack,
} from "@aws-sdk/client-cloudformation";
import {
  GetPipelineExecutionCommand,
  ListActionExecutionsCommand,
  StartPipelineExecutionCommand,
} from "@aws-sdk/client-codepipeline";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { eventually, failure, sandbox, settledStack, stackGone, type Sandbox } from "./harness.js";

let aws: Sandbox;
beforeAll(async () => {
  aws = await sandbox({ timing: { stackOperationMs: 20, changeSetMs: 10, actionMs: 10 } });
});
afterAll(async () => {
  await aws.close();
});
beforeEach(() => {
  aws.emulator.control.clearBuildOutputs();
});

const APP = `Parameters:
  Stage: { Type: String }
  Size: { Type: String, Default: small }
Resources:
  Queue:
    Type: AWS::SQS::Queue
Outputs:
  Stage:
    Value: !Ref Stage
`;

/** A pipeline whose Deploy stage is a CloudFormation action with its own deploy role, as templates/pipeline.yml has. */
function pipelineStack(name: string, deploy: Record<string, string>): string {
  const configuration = Object.entries(deploy)
    .map(([key, value]) => `                ${key}: '${value}'`)
    .join("\n");
  return `
Resources:
  Artifacts:
    Type: AWS::S3::Bucket
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: { Statement: [{ Effect: Allow, Principal: { Service: codepipeline.amazonaws.com }, Action: sts:AssumeRole }] }
  DeployRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: { Statement: [{ Effect: Allow, Principal: { Service: cloudformation.amazonaws.com }, Action: sts:AssumeRole }] }
  Pipeline:
    Type: AWS::CodePipeline::Pipeline
    Properties:
      Name: ${name}
      PipelineType: V2
      RoleArn: !GetAtt Role.Arn
      ArtifactStore: { Type: S3, Location: !Ref Artifacts }
      Stages:
        - Name: Source
          Actions:
            - Name: Source
              ActionTypeId: { Category: Source, Owner: AWS, Provider: CodeStarSourceConnection, Version: "1" }
              Configuration: { ConnectionArn: "arn:aws:codeconnections:us-east-1:123456789012:connection/abc", FullRepositoryId: octo/shop, BranchName: main }
              OutputArtifacts: [{ Name: SourceOutput }]
        - Name: Build
          Actions:
            - Name: Build
              ActionTypeId: { Category: Build, Owner: AWS, Provider: CodeBuild, Version: "1" }
              Configuration: { ProjectName: build }
              InputArtifacts: [{ Name: SourceOutput }]
              OutputArtifacts: [{ Name: BuildOutput }]
        - Name: Deploy
          Actions:
            - Name: Deploy
              ActionTypeId: { Category: Deploy, Owner: AWS, Provider: CloudFormation, Version: "1" }
              Configuration:
${configuration}
                RoleArn: !GetAtt DeployRole.Arn
              InputArtifacts: [{ Name: BuildOutput }]
Outputs:
  DeployRoleArn:
    Value: !GetAtt DeployRole.Arn
`;
}

async function givenPipeline(name: string, deploy: Record<string, string>): Promise<string> {
  await aws.cfn.send(
    new CreateStackCommand({
      StackName: name,
      TemplateBody: pipelineStack(name, deploy),
      Capabilities: ["CAPABILITY_IAM"],
    }),
  );
  const stack = await settledStack(aws.cfn, name);
  expect(stack.StackStatus).toBe("CREATE_COMPLETE");
  return stack.Outputs!.find((o) => o.OutputKey === "DeployRoleArn")!.OutputValue!;
}

async function run(pipeline: string): Promise<{ status: string; deploy: { summary?: string; error?: string } }> {
  const { pipelineExecutionId } = await aws.pipelines.send(new StartPipelineExecutionCommand({ name: pipeline }));
  const status = await eventually(async () => {
    const execution = (
      await aws.pipelines.send(new GetPipelineExecutionCommand({ pipelineName: pipeline, pipelineExecutionId }))
    ).pipelineExecution!;
    return execution.status === "InProgress" ? undefined : execution.status!;
  });
  const actions = (
    await aws.pipelines.send(
      new ListActionExecutionsCommand({ pipelineName: pipeline, filter: { pipelineExecutionId } }),
    )
  ).actionExecutionDetails!;
  const deploy = actions.find((a) => a.actionName === "Deploy");
  return {
    status,
    deploy: {
      summary: deploy?.output?.executionResult?.externalExecutionSummary,
      error: deploy?.output?.executionResult?.errorDetails?.message ?? deploy?.status,
    },
  };
}

async function describe_(name: string): Promise<Stack> {
  return (await aws.cfn.send(new DescribeStacksCommand({ StackName: name }))).Stacks![0]!;
}

const tagsOf = (stack: Stack) => Object.fromEntries((stack.Tags ?? []).map((t) => [t.Key, t.Value]));
const parametersOf = (stack: Stack) =>
  Object.fromEntries((stack.Parameters ?? []).map((p) => [p.ParameterKey, p.ParameterValue]));

describe("the CloudFormation deploy action", () => {
  it("creates the application stack with the action's role, the template configuration's parameters and tags, and ParameterOverrides winning", async () => {
    const role = await givenPipeline("deploy-a", {
      ActionMode: "CREATE_UPDATE",
      StackName: "deploy-a-app",
      TemplatePath: "BuildOutput::packaged.yml",
      TemplateConfiguration: "BuildOutput::config/branch.json",
      ParameterOverrides: '{"Stage":"override"}',
    });
    aws.emulator.control.setBuildOutput({
      pipeline: "deploy-a",
      artifact: "BuildOutput",
      files: {
        "packaged.yml": APP,
        "config/branch.json": JSON.stringify({
          Parameters: { Stage: "from-file", Size: "large" },
          Tags: { "branchline:environment": "branch", team: "shop" },
        }),
      },
    });
    const result = await run("deploy-a");
    expect(result).toEqual({
      status: "Succeeded",
      deploy: { summary: "Stack deploy-a-app is CREATE_COMPLETE.", error: "Succeeded" },
    });
    const app = await describe_("deploy-a-app");
    expect(app.StackStatus).toBe("CREATE_COMPLETE");
    expect(app.RoleARN).toBe(role);
    expect(parametersOf(app)).toEqual({ Stage: "override", Size: "large" });
    expect(tagsOf(app)).toEqual({ "branchline:environment": "branch", team: "shop" });
    expect(app.Outputs).toEqual([expect.objectContaining({ OutputKey: "Stage", OutputValue: "override" })]);
  });

  it("updates it when the build's template changes, and succeeds without an update when nothing did", async () => {
    await givenPipeline("deploy-b", {
      ActionMode: "CREATE_UPDATE",
      StackName: "deploy-b-app",
      TemplatePath: "BuildOutput::packaged.yml",
      ParameterOverrides: '{"Stage":"one"}',
    });
    aws.emulator.control.setBuildOutput({ pipeline: "deploy-b", files: { "packaged.yml": APP } });
    expect((await run("deploy-b")).status).toBe("Succeeded");
    expect((await run("deploy-b")).deploy.summary).toBe("Stack deploy-b-app is up to date; no changes were needed.");
    aws.emulator.control.setBuildOutput({
      pipeline: "deploy-b",
      files: {
        "packaged.yml": APP.replace(
          "Queue:\n    Type: AWS::SQS::Queue",
          "Queue:\n    Type: AWS::SQS::Queue\n  Topic:\n    Type: AWS::SNS::Topic",
        ),
      },
    });
    expect((await run("deploy-b")).deploy.summary).toBe("Stack deploy-b-app is UPDATE_COMPLETE.");
    expect(
      aws.emulator.control
        .stacks()
        .find((s) => s.stackName === "deploy-b-app")!
        .resources.map((r) => r.logicalId)
        .sort(),
    ).toEqual(["Queue", "Topic"]);
  });

  it("deploys the default build's application when no build output is scripted", async () => {
    await givenPipeline("deploy-c", {
      ActionMode: "CREATE_UPDATE",
      StackName: "deploy-c-app",
      TemplatePath: "BuildOutput::packaged.yml",
    });
    expect((await run("deploy-c")).status).toBe("Succeeded");
    expect((await describe_("deploy-c-app")).StackStatus).toBe("CREATE_COMPLETE");
  });

  it("fails the action, naming the file, when the artifact lacks it", async () => {
    await givenPipeline("deploy-d", {
      ActionMode: "CREATE_UPDATE",
      StackName: "deploy-d-app",
      TemplatePath: "BuildOutput::packaged.yml",
      TemplateConfiguration: "BuildOutput::deploy/staging.json",
    });
    const result = await run("deploy-d");
    expect(result.status).toBe("Failed");
    expect(result.deploy.error).toBe("The file deploy/staging.json does not exist in the artifact BuildOutput");
    expect(aws.emulator.control.stacks().map((s) => s.stackName)).not.toContain("deploy-d-app");
  });

  it("deletes the stack in DELETE_ONLY mode, and succeeds when it is already gone", async () => {
    await givenPipeline("deploy-e", {
      ActionMode: "CREATE_UPDATE",
      StackName: "deploy-e-app",
      TemplatePath: "BuildOutput::packaged.yml",
    });
    await run("deploy-e");
    expect((await describe_("deploy-e-app")).StackStatus).toBe("CREATE_COMPLETE");
    // A new pipeline runs once by itself: that run deletes the stack.
    await givenPipeline("deploy-e-delete", { ActionMode: "DELETE_ONLY", StackName: "deploy-e-app" });
    await stackGone(aws.cfn, "deploy-e-app");
    expect((await run("deploy-e-delete")).deploy.summary).toBe("Stack deploy-e-app does not exist; nothing to delete.");
  });

  it("leaves a stack whose role went with the pipeline stack undeletable, unless DeleteStack names another role", async () => {
    const role = await givenPipeline("deploy-f", {
      ActionMode: "CREATE_UPDATE",
      StackName: "deploy-f-app",
      TemplatePath: "BuildOutput::packaged.yml",
    });
    await run("deploy-f");
    await aws.cfn.send(new DeleteStackCommand({ StackName: "deploy-f" }));
    await stackGone(aws.cfn, "deploy-f");
    // The pipeline stack's deletion does not touch the stack its action made; its deploy role is gone.
    expect((await describe_("deploy-f-app")).StackStatus).toBe("CREATE_COMPLETE");
    const refused = await failure(() => aws.cfn.send(new DeleteStackCommand({ StackName: "deploy-f-app" })));
    expect(refused.message).toBe(`Role ${role} is invalid or cannot be assumed`);
    await aws.cfn.send(
      new DeleteStackCommand({
        StackName: "deploy-f-app",
        RoleARN: "arn:aws:iam::123456789012:role/branchline-branch-deployer",
      }),
    );
    await stackGone(aws.cfn, "deploy-f-app");
  });
});
