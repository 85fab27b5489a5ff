import { CreateStackCommand, DeleteStackCommand, UpdateStackCommand } from "@aws-sdk/client-cloudformation";
import {
  GetPipelineCommand,
  GetPipelineExecutionCommand,
  GetPipelineStateCommand,
  ListActionExecutionsCommand,
  ListPipelineExecutionsCommand,
  ListPipelinesCommand,
  PutApprovalResultCommand,
  StartPipelineExecutionCommand,
  StopPipelineExecutionCommand,
  type PipelineExecution,
} from "@aws-sdk/client-codepipeline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PipelineEvent } from "../src/index.js";
import { eventually, failure, sandbox, settledStack, stackGone, type Sandbox } from "./harness.js";
import { twoStagePipelineTemplate } from "./templates.js";

let aws: Sandbox;
const events: PipelineEvent[] = [];
beforeAll(async () => {
  aws = await sandbox({ eventSink: { onEvent: (e) => events.push(e) } });
});
afterAll(async () => {
  await aws.close();
});

async function pipelineStack(
  stackName: string,
  pipeline: string,
  options: Parameters<typeof twoStagePipelineTemplate>[1] = {},
): Promise<void> {
  await aws.cfn.send(
    new CreateStackCommand({
      StackName: stackName,
      TemplateBody: twoStagePipelineTemplate(pipeline, options),
      Capabilities: ["CAPABILITY_IAM"],
    }),
  );
  expect((await settledStack(aws.cfn, stackName)).StackStatus).toBe("CREATE_COMPLETE");
}

async function execution(pipelineName: string, pipelineExecutionId: string): Promise<PipelineExecution> {
  return (await aws.pipelines.send(new GetPipelineExecutionCommand({ pipelineName, pipelineExecutionId })))
    .pipelineExecution!;
}

async function finished(pipelineName: string, pipelineExecutionId: string): Promise<PipelineExecution> {
  return eventually(
    async () => {
      const e = await execution(pipelineName, pipelineExecutionId);
      return e.status === "InProgress" || e.status === "Stopping" ? undefined : e;
    },
    5_000,
    `execution ${pipelineExecutionId} to finish`,
  );
}

describe("CodePipeline pipelines from CloudFormation", () => {
  it("creates the pipeline, which starts an execution by itself", async () => {
    await pipelineStack("pipe-stack", "shop-main");
    const { pipeline, metadata } = await aws.pipelines.send(new GetPipelineCommand({ name: "shop-main" }));
    expect(pipeline).toMatchObject({ name: "shop-main", pipelineType: "V2", executionMode: "SUPERSEDED", version: 1 });
    expect(pipeline!.roleArn).toMatch(/^arn:aws:iam::123456789012:role\/pipe-stack-Role-/);
    expect(pipeline!.stages!.map((s) => s.name)).toEqual(["Source", "Build"]);
    expect(pipeline!.stages![1]!.actions![0]).toMatchObject({
      name: "Compile",
      actionTypeId: { category: "Build", provider: "CodeBuild" },
      configuration: { ProjectName: "shop-build" },
      runOrder: 1,
    });
    expect(metadata!.pipelineArn).toBe("arn:aws:codepipeline:us-east-1:123456789012:shop-main");
    expect(metadata!.created).toBeInstanceOf(Date);
    const listed = await aws.pipelines.send(new ListPipelinesCommand({}));
    expect(listed.pipelines!.map((p) => p.name)).toContain("shop-main");

    const [first] = (await aws.pipelines.send(new ListPipelineExecutionsCommand({ pipelineName: "shop-main" })))
      .pipelineExecutionSummaries!;
    expect(first!.trigger!.triggerType).toBe("CreatePipeline");
    const done = await finished("shop-main", first!.pipelineExecutionId!);
    expect(done.status).toBe("Succeeded");

    const actions = (
      await aws.pipelines.send(
        new ListActionExecutionsCommand({
          pipelineName: "shop-main",
          filter: { pipelineExecutionId: first!.pipelineExecutionId },
        }),
      )
    ).actionExecutionDetails!;
    expect(actions.map((a) => [a.stageName, a.actionName, a.status])).toEqual([
      ["Build", "Compile", "Succeeded"],
      ["Source", "Checkout", "Succeeded"],
    ]);
    const build = actions[0]!;
    expect(build.output!.executionResult!.externalExecutionId).toMatch(/^shop-build:[0-9a-f-]{36}$/);
    expect(build.output!.executionResult!.externalExecutionUrl).toContain(
      "console.aws.amazon.com/codebuild/home?region=us-east-1#/builds/shop-build%3A",
    );
    expect(build.output!.executionResult!.externalExecutionSummary).toBe("Build succeeded");
    expect(build.input!.actionTypeId!.provider).toBe("CodeBuild");

    const state = await aws.pipelines.send(new GetPipelineStateCommand({ name: "shop-main" }));
    expect(
      state.stageStates!.map((s) => [s.stageName, s.latestExecution?.status, s.latestExecution?.pipelineExecutionId]),
    ).toEqual([
      ["Source", "Succeeded", first!.pipelineExecutionId],
      ["Build", "Succeeded", first!.pipelineExecutionId],
    ]);
    expect(state.stageStates![0]!.actionStates![0]!.currentRevision?.revisionId).toMatch(/^[0-9a-f]{40}$/);
  });

  it("pins a run to a commit with sourceRevisions, resolves variables, and is idempotent per clientRequestToken", async () => {
    const commit = "0123456789abcdef0123456789abcdef01234567";
    const start = () =>
      aws.pipelines.send(
        new StartPipelineExecutionCommand({
          name: "shop-main",
          clientRequestToken: "delivery-42",
          sourceRevisions: [{ actionName: "Checkout", revisionType: "COMMIT_ID", revisionValue: commit }],
          variables: [{ name: "Greeting", value: "hi" }],
        }),
      );
    const { pipelineExecutionId } = await start();
    expect((await start()).pipelineExecutionId).toBe(pipelineExecutionId);
    const run = await finished("shop-main", pipelineExecutionId!);
    expect(run.status).toBe("Succeeded");
    expect(run.trigger!.triggerType).toBe("StartPipelineExecution");
    expect(run.artifactRevisions).toEqual([
      expect.objectContaining({
        name: "Src",
        revisionId: commit,
        revisionUrl: `https://github.com/octo/shop/commit/${commit}`,
      }),
    ]);
    expect(run.variables).toEqual([{ name: "Greeting", resolvedValue: "hi" }]);
    const summaries = (await aws.pipelines.send(new ListPipelineExecutionsCommand({ pipelineName: "shop-main" })))
      .pipelineExecutionSummaries!;
    expect(summaries[0]!.pipelineExecutionId).toBe(pipelineExecutionId);
    expect(summaries[0]!.sourceRevisions).toEqual([
      expect.objectContaining({ actionName: "Checkout", revisionId: commit }),
    ]);

    const undeclared = await failure(() =>
      aws.pipelines.send(
        new StartPipelineExecutionCommand({ name: "shop-main", variables: [{ name: "Nope", value: "x" }] }),
      ),
    );
    expect(undeclared.name).toBe("ValidationException");
    const wrongType = await failure(() =>
      aws.pipelines.send(
        new StartPipelineExecutionCommand({
          name: "shop-main",
          sourceRevisions: [{ actionName: "Checkout", revisionType: "IMAGE_DIGEST", revisionValue: "sha256:x" }],
        }),
      ),
    );
    expect(wrongType.name).toBe("ValidationException");
    const missing = await failure(() =>
      aws.pipelines.send(new StartPipelineExecutionCommand({ name: "no-such-pipeline" })),
    );
    expect(missing.name).toBe("PipelineNotFoundException");
  });

  it("pages ListPipelineExecutions newest first", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push(
        (await aws.pipelines.send(new StartPipelineExecutionCommand({ name: "shop-main" }))).pipelineExecutionId!,
      );
    const seen: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await aws.pipelines.send(
        new ListPipelineExecutionsCommand({ pipelineName: "shop-main", maxResults: 2, nextToken }),
      );
      expect(page.pipelineExecutionSummaries!.length).toBeLessThanOrEqual(2);
      seen.push(...page.pipelineExecutionSummaries!.map((s) => s.pipelineExecutionId!));
      nextToken = page.nextToken;
    } while (nextToken);
    expect(seen.slice(0, 3)).toEqual([...ids].reverse());
    expect(seen.length).toBeGreaterThanOrEqual(5);
    for (const id of ids) await finished("shop-main", id);
  });

  it("fails an action on demand, with its message", async () => {
    aws.emulator.control.scriptAction({
      pipeline: "shop-main",
      stage: "Build",
      action: "Compile",
      outcome: "fail",
      message: "Tests failed: 3",
      times: 1,
    });
    const { pipelineExecutionId } = await aws.pipelines.send(new StartPipelineExecutionCommand({ name: "shop-main" }));
    const run = await finished("shop-main", pipelineExecutionId!);
    expect(run.status).toBe("Failed");
    expect(run.statusSummary).toBe("Tests failed: 3");
    const actions = (
      await aws.pipelines.send(
        new ListActionExecutionsCommand({ pipelineName: "shop-main", filter: { pipelineExecutionId } }),
      )
    ).actionExecutionDetails!;
    expect(actions[0]).toMatchObject({ actionName: "Compile", status: "Failed" });
    expect(actions[0]!.output!.executionResult!.errorDetails).toEqual({
      code: "JobFailed",
      message: "Tests failed: 3",
    });
    const state = await aws.pipelines.send(new GetPipelineStateCommand({ name: "shop-main" }));
    expect(state.stageStates![1]!.latestExecution).toMatchObject({ pipelineExecutionId, status: "Failed" });
  });

  it("waits at a manual approval until PutApprovalResult presents the right token", async () => {
    aws.emulator.control.scriptAction({ pipeline: "shop-main", action: "Compile", outcome: "approval" });
    const { pipelineExecutionId } = await aws.pipelines.send(new StartPipelineExecutionCommand({ name: "shop-main" }));
    const token = await eventually(async () => {
      const state = await aws.pipelines.send(new GetPipelineStateCommand({ name: "shop-main" }));
      const latest = state.stageStates![1]!.actionStates![0]!.latestExecution;
      return latest?.status === "InProgress" &&
        state.stageStates![1]!.latestExecution?.pipelineExecutionId === pipelineExecutionId
        ? latest.token
        : undefined;
    });
    const approve = (t: string) =>
      aws.pipelines.send(
        new PutApprovalResultCommand({
          pipelineName: "shop-main",
          stageName: "Build",
          actionName: "Compile",
          token: t,
          result: { status: "Approved", summary: "ship it" },
        }),
      );
    expect((await failure(() => approve("00000000-0000-0000-0000-000000000000"))).name).toBe(
      "InvalidApprovalTokenException",
    );
    const approved = await approve(token);
    expect(approved.approvedAt).toBeInstanceOf(Date);
    expect((await finished("shop-main", pipelineExecutionId!)).status).toBe("Succeeded");
    expect((await failure(() => approve(token))).name).toBe("ApprovalAlreadyCompletedException");

    const second = await aws.pipelines.send(new StartPipelineExecutionCommand({ name: "shop-main" }));
    const token2 = await eventually(async () => {
      const state = await aws.pipelines.send(new GetPipelineStateCommand({ name: "shop-main" }));
      return state.stageStates![1]!.latestExecution?.pipelineExecutionId === second.pipelineExecutionId
        ? state.stageStates![1]!.actionStates![0]!.latestExecution?.token
        : undefined;
    });
    await aws.pipelines.send(
      new PutApprovalResultCommand({
        pipelineName: "shop-main",
        stageName: "Build",
        actionName: "Compile",
        token: token2,
        result: { status: "Rejected", summary: "not today" },
      }),
    );
    const rejected = await finished("shop-main", second.pipelineExecutionId!);
    expect(rejected.status).toBe("Failed");
    aws.emulator.control.clearActionScripts();
  });

  it("stops an execution, abandoning or letting the running action finish", async () => {
    aws.emulator.control.scriptAction({
      pipeline: "shop-main",
      action: "Compile",
      outcome: "succeed",
      durationMs: 300,
    });
    const abandoned = await aws.pipelines.send(new StartPipelineExecutionCommand({ name: "shop-main" }));
    await eventually(async () =>
      (await aws.pipelines.send(new GetPipelineStateCommand({ name: "shop-main" }))).stageStates![1]!.latestExecution
        ?.pipelineExecutionId === abandoned.pipelineExecutionId
        ? true
        : undefined,
    );
    await aws.pipelines.send(
      new StopPipelineExecutionCommand({
        pipelineName: "shop-main",
        pipelineExecutionId: abandoned.pipelineExecutionId,
        abandon: true,
        reason: "superseded by hand",
      }),
    );
    const stopped = await finished("shop-main", abandoned.pipelineExecutionId!);
    expect(stopped.status).toBe("Stopped");
    const actions = (
      await aws.pipelines.send(
        new ListActionExecutionsCommand({
          pipelineName: "shop-main",
          filter: { pipelineExecutionId: abandoned.pipelineExecutionId },
        }),
      )
    ).actionExecutionDetails!;
    expect(actions[0]).toMatchObject({ actionName: "Compile", status: "Abandoned" });
    const again = await failure(() =>
      aws.pipelines.send(
        new StopPipelineExecutionCommand({
          pipelineName: "shop-main",
          pipelineExecutionId: abandoned.pipelineExecutionId,
        }),
      ),
    );
    expect(again.name).toBe("PipelineExecutionNotStoppableException");

    const gentle = await aws.pipelines.send(new StartPipelineExecutionCommand({ name: "shop-main" }));
    await eventually(async () =>
      (await aws.pipelines.send(new GetPipelineStateCommand({ name: "shop-main" }))).stageStates![1]!.latestExecution
        ?.pipelineExecutionId === gentle.pipelineExecutionId
        ? true
        : undefined,
    );
    await aws.pipelines.send(
      new StopPipelineExecutionCommand({
        pipelineName: "shop-main",
        pipelineExecutionId: gentle.pipelineExecutionId,
        reason: "stop please",
      }),
    );
    expect((await execution("shop-main", gentle.pipelineExecutionId!)).status).toBe("Stopping");
    expect(
      (
        await failure(() =>
          aws.pipelines.send(
            new StopPipelineExecutionCommand({
              pipelineName: "shop-main",
              pipelineExecutionId: gentle.pipelineExecutionId,
            }),
          ),
        )
      ).name,
    ).toBe("DuplicatedStopRequestException");
    const gentleEnd = await finished("shop-main", gentle.pipelineExecutionId!);
    expect(gentleEnd.status).toBe("Stopped");
    const build = (
      await aws.pipelines.send(
        new ListActionExecutionsCommand({
          pipelineName: "shop-main",
          filter: { pipelineExecutionId: gentle.pipelineExecutionId },
        }),
      )
    ).actionExecutionDetails![0]!;
    expect(build.status).toBe("Succeeded");
    const summary = (
      await aws.pipelines.send(new ListPipelineExecutionsCommand({ pipelineName: "shop-main", maxResults: 1 }))
    ).pipelineExecutionSummaries![0]!;
    expect(summary.stopTrigger).toEqual({ reason: "stop please" });
    aws.emulator.control.clearActionScripts();
  });

  it("cancels the running execution when a stack update changes the pipeline's structure", async () => {
    aws.emulator.control.scriptAction({
      pipeline: "shop-main",
      action: "Compile",
      outcome: "succeed",
      durationMs: 2_000,
    });
    const running = await aws.pipelines.send(new StartPipelineExecutionCommand({ name: "shop-main" }));
    await eventually(async () =>
      (await aws.pipelines.send(new GetPipelineStateCommand({ name: "shop-main" }))).stageStates![1]!.latestExecution
        ?.pipelineExecutionId === running.pipelineExecutionId
        ? true
        : undefined,
    );
    await aws.cfn.send(
      new UpdateStackCommand({
        StackName: "pipe-stack",
        TemplateBody: twoStagePipelineTemplate("shop-main", { buildProject: "shop-build-v2" }),
        Capabilities: ["CAPABILITY_IAM"],
      }),
    );
    expect((await settledStack(aws.cfn, "pipe-stack")).StackStatus).toBe("UPDATE_COMPLETE");
    const cancelled = await finished("shop-main", running.pipelineExecutionId!);
    expect(cancelled.status).toBe("Cancelled");
    const { pipeline } = await aws.pipelines.send(new GetPipelineCommand({ name: "shop-main" }));
    expect(pipeline!.version).toBe(2);
    expect(pipeline!.stages![1]!.actions![0]!.configuration).toEqual({ ProjectName: "shop-build-v2" });
    const mine = events.filter((e) => e.detail["execution-id"] === running.pipelineExecutionId);
    expect(
      mine
        .filter((e) => e["detail-type"] === "CodePipeline Pipeline Execution State Change")
        .map((e) => e.detail.state),
    ).toEqual(["STARTED", "CANCELED"]);
    expect(
      mine.find(
        (e) => e["detail-type"] === "CodePipeline Stage Execution State Change" && e.detail.state === "CANCELED",
      )?.detail.stage,
    ).toBe("Build");
    aws.emulator.control.clearActionScripts();
  });

  it("deletes the pipeline with its stack", async () => {
    await aws.cfn.send(new DeleteStackCommand({ StackName: "pipe-stack" }));
    await stackGone(aws.cfn, "pipe-stack");
    expect((await failure(() => aws.pipelines.send(new GetPipelineCommand({ name: "shop-main" })))).name).toBe(
      "PipelineNotFoundException",
    );
    expect(aws.emulator.control.pipelines().map((p) => p.name)).not.toContain("shop-main");
    expect(aws.emulator.control.roles().some((r) => r.roleName.startsWith("pipe-stack-Role-"))).toBe(false);
  });
});

describe("CodePipeline execution modes", () => {
  async function raceThree(pipeline: string): Promise<PipelineExecution[]> {
    aws.emulator.control.scriptAction({ pipeline, action: "Compile", outcome: "succeed", durationMs: 400 });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await aws.pipelines.send(new StartPipelineExecutionCommand({ name: pipeline }))).pipelineExecutionId!);
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
    return Promise.all(ids.map((id) => finished(pipeline, id)));
  }

  it("SUPERSEDED: a newer execution overtakes one waiting at a stage's inbound transition", async () => {
    await pipelineStack("mode-superseded", "mode-superseded", { executionMode: "SUPERSEDED" });
    await finished(
      "mode-superseded",
      (await aws.pipelines.send(new ListPipelineExecutionsCommand({ pipelineName: "mode-superseded" })))
        .pipelineExecutionSummaries![0]!.pipelineExecutionId!,
    );
    const [first, second, third] = await raceThree("mode-superseded");
    expect([first!.status, second!.status, third!.status]).toEqual(["Succeeded", "Superseded", "Succeeded"]);
    const superseded = events.filter(
      (e) =>
        e.detail["execution-id"] === second!.pipelineExecutionId &&
        e["detail-type"] === "CodePipeline Pipeline Execution State Change",
    );
    expect(superseded.map((e) => e.detail.state)).toEqual(["STARTED", "SUPERSEDED"]);
  });

  it("QUEUED: executions run one at a time, in order, none superseded", async () => {
    await pipelineStack("mode-queued", "mode-queued", { executionMode: "QUEUED" });
    const runs = await raceThree("mode-queued");
    expect(runs.map((r) => r.status)).toEqual(["Succeeded", "Succeeded", "Succeeded"]);
    const summaries = (await aws.pipelines.send(new ListPipelineExecutionsCommand({ pipelineName: "mode-queued" })))
      .pipelineExecutionSummaries!;
    const ends = runs.map((r) =>
      summaries.find((s) => s.pipelineExecutionId === r.pipelineExecutionId)!.lastUpdateTime!.getTime(),
    );
    expect([...ends].sort((a, b) => a - b)).toEqual(ends);
    expect(runs[0]!.executionMode).toBe("QUEUED");
  });

  it("PARALLEL: executions run side by side", async () => {
    await pipelineStack("mode-parallel", "mode-parallel", { executionMode: "PARALLEL" });
    const started = Date.now();
    const runs = await raceThree("mode-parallel");
    expect(runs.map((r) => r.status)).toEqual(["Succeeded", "Succeeded", "Succeeded"]);
    // Three 400 ms builds one after another would take 1200 ms or more.
    expect(Date.now() - started).toBeLessThan(1_150);
  });
});
