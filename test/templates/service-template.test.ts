import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readTemplate } from "@branchline/cloudformation-template";

/**
 * templates/branchline-service.yml: the properties the work queue's correctness rests on, and the
 * least privilege of each role. (cfn-lint, in .ci/run, checks the rest of it against AWS's schemas.)
 */
const read = readTemplate(readFileSync(new URL("../../templates/branchline-service.yml", import.meta.url), "utf8"));
if (!read.ok) throw new Error(read.problems.map((p) => p.message).join("; "));
type Json = Record<string, unknown>;
const resources = read.template.Resources as Record<string, { Type: string; Properties: Json }>;
const props = (name: string) => resources[name]!.Properties;
const statements = (role: string): Json[] => {
  const inline = (props(role).Policies as { PolicyDocument: { Statement: Json[] } }[] | undefined) ?? [];
  return inline.flatMap((p) => p.PolicyDocument.Statement);
};

describe("templates/branchline-service.yml", () => {
  it("the work queue is FIFO, deduplicates by content for EventBridge, and redrives to a FIFO dead-letter queue", () => {
    expect(props("WorkQueue")).toMatchObject({
      FifoQueue: true,
      ContentBasedDeduplication: true,
      RedrivePolicy: { deadLetterTargetArn: { "Fn::GetAtt": ["DeadLetterQueue", "Arn"] } },
    });
    expect(props("DeadLetterQueue")).toMatchObject({ FifoQueue: true });
    // Heartbeats every third of it: a killed worker's looks come back within a minute.
    expect(props("WorkQueue").VisibilityTimeout).toBe(60);
  });

  it.each(["PipelineEventsRule", "StackEventsRule", "ReconcileSchedule"])(
    "%s sends to the work queue in a message group of its own",
    (rule) => {
      const targets = props(rule).Targets as Json[];
      expect(targets).toHaveLength(1);
      expect(targets[0]).toMatchObject({
        Arn: { "Fn::GetAtt": ["WorkQueue", "Arn"] },
        SqsParameters: { MessageGroupId: expect.stringMatching(/^branchline-[a-z-]+$/) },
      });
    },
  );

  it("only this stack's rules may send to the queue as EventBridge", () => {
    const allow = (props("WorkQueuePolicy").PolicyDocument as { Statement: Json[] }).Statement.find(
      (s) => s.Effect === "Allow",
    )!;
    expect(allow).toMatchObject({ Principal: { Service: "events.amazonaws.com" }, Action: "sqs:SendMessage" });
    expect((allow.Condition as { ArnEquals: { "aws:SourceArn": unknown[] } }).ArnEquals["aws:SourceArn"]).toHaveLength(
      3,
    );
  });

  it("the receiver may only enqueue, read the App's secret and write its logs", () => {
    expect(
      statements("ReceiverRole")
        .map((s) => s.Action)
        .flat()
        .sort(),
    ).toEqual(["logs:CreateLogStream", "logs:PutLogEvents", "secretsmanager:GetSecretValue", "sqs:SendMessage"]);
    expect(props("ReceiverRole").ManagedPolicyArns).toBeUndefined();
  });

  it("the workers get the App's policy and the queue, nothing else", () => {
    expect(props("WorkerTaskRole").ManagedPolicyArns).toEqual([{ Ref: "AppPolicyArn" }]);
    const actions = statements("WorkerTaskRole")
      .map((s) => s.Action)
      .flat();
    expect(actions.every((a) => typeof a === "string" && a.startsWith("sqs:"))).toBe(true);
    for (const s of statements("WorkerTaskRole")) expect(s.Resource).toEqual({ "Fn::GetAtt": ["WorkQueue", "Arn"] });
  });

  it("no role has a wildcard action", () => {
    for (const [name, resource] of Object.entries(resources)) {
      if (resource.Type !== "AWS::IAM::Role") continue;
      for (const s of statements(name)) expect([s.Action].flat(), name).not.toContain("*");
    }
  });

  it("the workers change each kind only with that kind's App role (issue 14, point 1)", () => {
    const container = (props("WorkerTaskDefinition").ContainerDefinitions as Json[])[0]!;
    const environment = Object.fromEntries(
      (container.Environment as { Name: string; Value: unknown }[]).map((e) => [e.Name, e.Value]),
    );
    expect(environment).toMatchObject({
      BRANCHLINE_APP_BRANCH_ROLE_ARN: { Ref: "AppBranchRoleArn" },
      BRANCHLINE_APP_STAGING_ROLE_ARN: { Ref: "AppStagingRoleArn" },
      BRANCHLINE_APP_PRODUCTION_ROLE_ARN: { Ref: "AppProductionRoleArn" },
    });
  });

  it("the App's credentials reach the workers from Secrets Manager, never as plain parameters", () => {
    const container = (props("WorkerTaskDefinition").ContainerDefinitions as Json[])[0]!;
    const secrets = (container.Secrets as { Name: string }[]).map((s) => s.Name).sort();
    expect(secrets).toEqual(["APP_ID", "PRIVATE_KEY", "WEBHOOK_SECRET"]);
    const plain = (container.Environment as { Name: string }[]).map((e) => e.Name);
    expect(plain).not.toContain("PRIVATE_KEY");
    expect(plain).not.toContain("WEBHOOK_SECRET");
    expect(Object.keys(read.template.Parameters ?? {})).not.toContain("PrivateKey");
  });

  it("the receiver's function URL is public (GitHub cannot sign SigV4) and Probot checks the webhook signature", () => {
    expect(props("ReceiverUrl").AuthType).toBe("NONE");
    expect((props("ReceiverFunction").Environment as { Variables: Json }).Variables).toMatchObject({
      BRANCHLINE_QUEUE_URL: { Ref: "WorkQueue" },
    });
  });
});
