import { CreateStackCommand } from "@aws-sdk/client-cloudformation";
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  GetLogEventsCommand,
  PutLogEventsCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import { ListActionExecutionsCommand, ListPipelineExecutionsCommand } from "@aws-sdk/client-codepipeline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildLogGroup, buildLogStream } from "../src/codepipeline/build-logs.js";
import { eventually, failure, sandbox, settledStack, type Sandbox } from "./harness.js";
import { twoStagePipelineTemplate } from "./templates.js";

let aws: Sandbox;
let logs: CloudWatchLogsClient;
beforeAll(async () => {
  aws = await sandbox();
  logs = new CloudWatchLogsClient({
    endpoint: aws.emulator.url,
    region: aws.emulator.region,
    maxAttempts: 1,
    credentials: { accessKeyId: "AKIDEMULATOR", secretAccessKey: "emulator-secret" },
  });
});
afterAll(async () => {
  logs.destroy();
  await aws.close();
});

async function finishedBuild(pipeline: string): Promise<{ buildId: string; status: string }> {
  return eventually(
    async () => {
      const [first] =
        (await aws.pipelines.send(new ListPipelineExecutionsCommand({ pipelineName: pipeline })))
          .pipelineExecutionSummaries ?? [];
      if (!first || first.status === "InProgress") return undefined;
      const actions = (
        await aws.pipelines.send(
          new ListActionExecutionsCommand({
            pipelineName: pipeline,
            filter: { pipelineExecutionId: first.pipelineExecutionId },
          }),
        )
      ).actionExecutionDetails!;
      const build = actions.find((a) => a.input?.actionTypeId?.provider === "CodeBuild")!;
      return { buildId: build.output!.executionResult!.externalExecutionId!, status: first.status! };
    },
    10_000,
    `a run of ${pipeline} to end`,
  );
}

describe("CloudWatch Logs in the emulator, through the real SDK", () => {
  it("keeps the lines a CodeBuild action writes, in the build's stream of the project's group", async () => {
    await aws.cfn.send(
      new CreateStackCommand({
        StackName: "logs-ok",
        TemplateBody: twoStagePipelineTemplate("logs-ok-pipe"),
        Capabilities: ["CAPABILITY_IAM"],
      }),
    );
    await settledStack(aws.cfn, "logs-ok");
    const { buildId, status } = await finishedBuild("logs-ok-pipe");
    expect(status).toBe("Succeeded");
    const [project] = buildId.split(":");
    const answer = await logs.send(
      new GetLogEventsCommand({
        logGroupName: buildLogGroup(project!),
        logStreamName: buildLogStream(buildId),
        startFromHead: true,
      }),
    );
    const lines = answer.events!.map((e) => e.message!);
    expect(lines[0]).toMatch(/^\[Container\] .* Running on CodeBuild On-demand$/);
    expect(lines.some((l) => /Source version: [0-9a-f]{40}/.test(l))).toBe(true);
    expect(lines.at(-2)).toMatch(/Phase complete: BUILD State: SUCCEEDED$/);
    const times = answer.events!.map((e) => e.timestamp!);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    // Nothing newer: the forward token comes back as sent.
    const again = await logs.send(
      new GetLogEventsCommand({
        logGroupName: buildLogGroup(project!),
        logStreamName: buildLogStream(buildId),
        nextToken: answer.nextForwardToken,
      }),
    );
    expect(again.events).toEqual([]);
    expect(again.nextForwardToken).toBe(answer.nextForwardToken);
  });

  it("writes a failed build's message and its failed phase", async () => {
    aws.emulator.control.scriptAction({
      pipeline: "logs-bad-pipe",
      action: "Compile",
      outcome: "fail",
      message: "npm ERR! test failed: 3 of 120",
    });
    await aws.cfn.send(
      new CreateStackCommand({
        StackName: "logs-bad",
        TemplateBody: twoStagePipelineTemplate("logs-bad-pipe"),
        Capabilities: ["CAPABILITY_IAM"],
      }),
    );
    await settledStack(aws.cfn, "logs-bad");
    const { buildId, status } = await finishedBuild("logs-bad-pipe");
    expect(status).toBe("Failed");
    const [project] = buildId.split(":");
    const lines = (
      await logs.send(
        new GetLogEventsCommand({
          logGroupName: buildLogGroup(project!),
          logStreamName: buildLogStream(buildId),
          startFromHead: true,
        }),
      )
    ).events!.map((e) => e.message);
    expect(lines).toContain("npm ERR! test failed: 3 of 120");
    expect(lines).toContainEqual(expect.stringMatching(/Phase complete: BUILD State: FAILED$/));
  });

  it("pages with limit and tokens, and answers a missing stream as AWS does", async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: "/custom" }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: "/custom", logStreamName: "s" }));
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: "/custom",
        logStreamName: "s",
        logEvents: [1, 2, 3].map((n) => ({ timestamp: 1_000 * n, message: `line ${n}` })),
      }),
    );
    const first = await logs.send(
      new GetLogEventsCommand({ logGroupName: "/custom", logStreamName: "s", startFromHead: true, limit: 2 }),
    );
    expect(first.events!.map((e) => e.message)).toEqual(["line 1", "line 2"]);
    const second = await logs.send(
      new GetLogEventsCommand({
        logGroupName: "/custom",
        logStreamName: "s",
        nextToken: first.nextForwardToken,
        limit: 2,
      }),
    );
    expect(second.events!.map((e) => e.message)).toEqual(["line 3"]);
    const missing = await failure(() =>
      logs.send(new GetLogEventsCommand({ logGroupName: "/custom", logStreamName: "nope" })),
    );
    expect(missing.name).toBe("ResourceNotFoundException");
    const duplicate = await failure(() => logs.send(new CreateLogGroupCommand({ logGroupName: "/custom" })));
    expect(duplicate.name).toBe("ResourceAlreadyExistsException");
  });
});
