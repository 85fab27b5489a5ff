import { CreateStackCommand, DescribeStacksCommand, ValidateTemplateCommand } from "@aws-sdk/client-cloudformation";
import { ListPipelinesCommand } from "@aws-sdk/client-codepipeline";
import { ListBucketsCommand } from "@aws-sdk/client-s3";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { clientsFor, failure, sandbox, type Sandbox } from "./harness.js";

let aws: Sandbox;
beforeAll(async () => {
  aws = await sandbox({ accountId: "210987654321" });
});
afterAll(async () => {
  await aws.close();
});
afterEach(() => {
  aws.emulator.control.clearFaults();
  aws.emulator.control.setRateLimits([]);
  aws.emulator.control.resetCalls();
});

describe("faults on demand", () => {
  it("throttles each service with its own error", async () => {
    aws.emulator.control.setFaults({ throttleRate: 1 });
    const cfn = await failure(() => aws.cfn.send(new DescribeStacksCommand({})));
    expect([cfn.name, cfn.message, cfn.$metadata?.httpStatusCode]).toEqual(["Throttling", "Rate exceeded", 400]);
    const pipelines = await failure(() => aws.pipelines.send(new ListPipelinesCommand({})));
    expect([pipelines.name, pipelines.$metadata?.httpStatusCode]).toEqual(["ThrottlingException", 400]);
    const s3 = await failure(() => aws.s3.send(new ListBucketsCommand({})));
    expect([s3.name, s3.$metadata?.httpStatusCode]).toEqual(["SlowDown", 503]);
    const calls = aws.emulator.control.calls();
    expect(calls.throttled).toBe(3);
    expect(calls.services.cloudformation?.DescribeStacks).toEqual({ calls: 1, throttled: 1, serverErrors: 0 });
  });

  it("answers 5xx for one operation only, leaving the others alone", async () => {
    aws.emulator.control.setFaults({ service: "cloudformation", operation: "CreateStack", serverErrorRate: 1 });
    const error = await failure(() =>
      aws.cfn.send(
        new CreateStackCommand({ StackName: "x", TemplateBody: "Resources:\n  T:\n    Type: AWS::SNS::Topic\n" }),
      ),
    );
    expect([error.name, error.$metadata?.httpStatusCode]).toEqual(["InternalFailure", 500]);
    await aws.cfn.send(new DescribeStacksCommand({}));
    expect(aws.emulator.control.calls().serverErrors).toBe(1);
  });

  it("lets the SDK's retries ride out transient faults, and counts every attempt", async () => {
    // A deterministic coin: every other call fails.
    let flips = 0;
    const flaky = await sandbox({
      random: () => (flips++ % 2 === 0 ? 0.1 : 0.9),
      faults: [{ service: "s3", serverErrorRate: 0.5 }],
    });
    const retrying = clientsFor(flaky.emulator.url, "us-east-1", 3);
    for (let i = 0; i < 5; i++) await retrying.s3.send(new ListBucketsCommand({}));
    expect(flaky.emulator.control.calls().services.s3!.ListBuckets).toEqual({
      calls: 10,
      throttled: 0,
      serverErrors: 5,
    });
    for (const client of Object.values(retrying)) client.destroy();
    await flaky.close();
  });

  it("adds latency", async () => {
    aws.emulator.control.setFaults({ service: "sts", latencyMs: 120 });
    const started = Date.now();
    const identity = await aws.sts.send(new GetCallerIdentityCommand({}));
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
    expect(identity.Account).toBe("210987654321");
    expect(identity.Arn).toBe("arn:aws:iam::210987654321:user/branchline-emulator");
  });

  it("rate-limits per service and operation with a token bucket", async () => {
    aws.emulator.control.setRateLimits([{ service: "cloudformation", ratePerSecond: 1, burst: 5 }]);
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => aws.cfn.send(new DescribeStacksCommand({}))),
    );
    const throttled = results.filter(
      (r) => r.status === "rejected" && (r.reason as Error).name === "Throttling",
    ).length;
    expect(throttled).toBeGreaterThanOrEqual(14);
    expect(throttled).toBeLessThanOrEqual(15);
    // Another operation has its own bucket.
    await aws.cfn.send(new ValidateTemplateCommand({ TemplateBody: "Resources:\n  T:\n    Type: AWS::SNS::Topic\n" }));
    await aws.s3.send(new ListBucketsCommand({}));
  });
});
