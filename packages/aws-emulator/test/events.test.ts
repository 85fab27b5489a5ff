import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { CreateStackCommand } from "@aws-sdk/client-cloudformation";
import { ListPipelineExecutionsCommand } from "@aws-sdk/client-codepipeline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PipelineEvent } from "../src/index.js";
import { eventually, sandbox, settledStack, type Sandbox } from "./harness.js";
import { twoStagePipelineTemplate } from "./templates.js";

/** An HTTP endpoint standing in for branchline's EventBridge API destination. */
let receiver: Server;
const received: { headers: IncomingHttpHeaders; event: PipelineEvent }[] = [];
const inProcess: PipelineEvent[] = [];
let aws: Sandbox;

beforeAll(async () => {
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (c: Buffer) => chunks.push(c));
    request.on("end", () => {
      received.push({
        headers: request.headers,
        event: JSON.parse(Buffer.concat(chunks).toString("utf8")) as PipelineEvent,
      });
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const { port } = receiver.address() as AddressInfo;
  aws = await sandbox({
    eventSink: {
      url: `http://127.0.0.1:${port}/pipeline-events`,
      headers: { "x-branchline-secret": "s3cret" },
      onEvent: (e) => inProcess.push(e),
    },
  });
});
afterAll(async () => {
  await aws.close();
  await new Promise((resolve) => receiver.close(resolve));
});

describe("pipeline state-change events", () => {
  it("emits EventBridge-shaped pipeline, stage and action events to the callback and the HTTP sink", async () => {
    await aws.cfn.send(
      new CreateStackCommand({
        StackName: "evented",
        TemplateBody: twoStagePipelineTemplate("evented"),
        Capabilities: ["CAPABILITY_IAM"],
      }),
    );
    await settledStack(aws.cfn, "evented");
    const id = (await aws.pipelines.send(new ListPipelineExecutionsCommand({ pipelineName: "evented" })))
      .pipelineExecutionSummaries![0]!.pipelineExecutionId!;
    await eventually(() =>
      inProcess.some(
        (e) => e.detail.state === "SUCCEEDED" && e["detail-type"] === "CodePipeline Pipeline Execution State Change",
      )
        ? true
        : undefined,
    );
    await aws.emulator.control.drainEvents();

    const sequence = inProcess.map(
      (e) => `${e["detail-type"].split(" ")[1]}:${e.detail.stage ?? ""}:${e.detail.action ?? ""}:${e.detail.state}`,
    );
    expect(sequence).toEqual([
      "Pipeline:::STARTED",
      "Stage:Source::STARTED",
      "Action:Source:Checkout:STARTED",
      "Action:Source:Checkout:SUCCEEDED",
      "Stage:Source::SUCCEEDED",
      "Stage:Build::STARTED",
      "Action:Build:Compile:STARTED",
      "Action:Build:Compile:SUCCEEDED",
      "Stage:Build::SUCCEEDED",
      "Pipeline:::SUCCEEDED",
    ]);
    const first = inProcess[0]!;
    expect(first).toMatchObject({
      version: "0",
      source: "aws.codepipeline",
      account: "123456789012",
      region: "us-east-1",
      resources: ["arn:aws:codepipeline:us-east-1:123456789012:evented"],
      detail: {
        pipeline: "evented",
        "execution-id": id,
        state: "STARTED",
        version: 1,
        "execution-trigger": { "trigger-type": "CreatePipeline" },
      },
    });
    expect(first.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const build = inProcess.find((e) => e.detail.action === "Compile" && e.detail.state === "SUCCEEDED")!;
    expect(build.detail.type).toEqual({ category: "Build", owner: "AWS", provider: "CodeBuild", version: "1" });
    expect(build.detail["execution-result"]?.["external-execution-url"]).toContain("codebuild");
    expect(build.detail["execution-result"]?.["external-execution-summary"]).toBe("Build succeeded");

    expect(received.map((r) => r.event.id)).toEqual(inProcess.map((e) => e.id));
    expect(
      received.every(
        (r) => r.headers["x-branchline-secret"] === "s3cret" && r.headers["content-type"] === "application/json",
      ),
    ).toBe(true);
    expect(
      aws.emulator.control
        .events()
        .every((d) => typeof d.delivery === "object" && "status" in d.delivery && d.delivery.status === 200),
    ).toBe(true);
  });

  it("delivers unkindly when asked: every event at least once, some twice, not in emission order", async () => {
    const { port } = receiver.address() as AddressInfo;
    aws.emulator.control.setEventSink({
      url: `http://127.0.0.1:${port}/pipeline-events`,
      unkind: { seed: 7, duplicateRate: 0.5, lateRate: 0.5, lateMs: 300 },
    });
    received.length = 0;
    const emitted = aws.emulator.control.events().length;
    await aws.cfn.send(
      new CreateStackCommand({
        StackName: "unkind",
        TemplateBody: twoStagePipelineTemplate("unkind"),
        Capabilities: ["CAPABILITY_IAM"],
      }),
    );
    await settledStack(aws.cfn, "unkind");
    await eventually(() =>
      aws.emulator.control
        .events()
        .slice(emitted)
        .some(
          (d) =>
            d.event.detail.pipeline === "unkind" &&
            d.event.detail.state === "SUCCEEDED" &&
            d.event.detail.stage === undefined,
        )
        ? true
        : undefined,
    );
    await aws.emulator.control.drainEvents();

    const ids = aws.emulator.control
      .events()
      .slice(emitted)
      .map((d) => d.event.id);
    const got = received.map((r) => r.event.id);
    expect(new Set(got)).toEqual(new Set(ids));
    expect(got.length).toBeGreaterThan(ids.length);
    expect(got.filter((id, index) => got.indexOf(id) === index)).not.toEqual(ids);
  });
});
