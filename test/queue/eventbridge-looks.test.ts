import { describe, expect, it } from "vitest";
import { isEventBridgeEvent, lookFromEvent } from "../../src/queue/eventbridge-looks.js";

/** Event shapes as EventBridge documents them (envelope: version, id, detail-type, source, account, time, region, resources, detail). */
const envelope = (source: string, detailType: string, detail: unknown, extra: Record<string, unknown> = {}) => ({
  version: "0",
  id: "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
  "detail-type": detailType,
  source,
  account: "111122223333",
  time: "2026-12-01T22:00:00Z",
  region: "eu-west-1",
  resources: [],
  detail,
  ...extra,
});
const STACK = "branchline-shop-br-feature-x-1a2b3c4d";
const STACK_ID = `arn:aws:cloudformation:eu-west-1:111122223333:stack/${STACK}/0a1b2c3d-1111-2222-3333-444455556666`;

describe("lookFromEvent", () => {
  it.each([
    [
      "a pipeline execution state change looks at the pipeline's stack",
      envelope("aws.codepipeline", "CodePipeline Pipeline Execution State Change", {
        pipeline: STACK,
        "execution-id": "e-1",
        state: "SUCCEEDED",
        version: 3,
      }),
      {
        kind: "pipeline",
        stackName: STACK,
        eventId: "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        event: { pipeline: STACK, executionId: "e-1", state: "SUCCEEDED", level: "pipeline" },
      },
    ],
    [
      "an action state change too",
      envelope("aws.codepipeline", "CodePipeline Action Execution State Change", {
        pipeline: STACK,
        "execution-id": "e-1",
        state: "STARTED",
        stage: "Build",
        action: "Build",
        type: { category: "Build" },
      }),
      { kind: "pipeline", stackName: STACK, event: { level: "action", stage: "Build", action: "Build" } },
    ],
    [
      "a stack status change looks at the stack named in its ARN",
      envelope("aws.cloudformation", "CloudFormation Stack Status Change", {
        "stack-id": STACK_ID,
        "status-details": { status: "UPDATE_COMPLETE", "status-reason": "" },
        "client-request-token": "b1-x",
      }),
      { kind: "stack", stackName: STACK, status: "UPDATE_COMPLETE" },
    ],
    [
      "a stack status change without status-details still looks",
      envelope("aws.cloudformation", "CloudFormation Stack Status Change", { "stack-id": STACK_ID }),
      { kind: "stack", stackName: STACK, status: "UNKNOWN" },
    ],
    [
      "an EventBridge rule schedule is a reconcile pass, its time the tick",
      envelope(
        "aws.events",
        "Scheduled Event",
        {},
        { resources: ["arn:aws:events:eu-west-1:111122223333:rule/branchline-reconcile"] },
      ),
      { kind: "reconcile", tick: "2026-12-01T22:00:00Z" },
    ],
    [
      "an EventBridge Scheduler schedule too",
      envelope("aws.scheduler", "Scheduled Event", {}),
      { kind: "reconcile", tick: "2026-12-01T22:00:00Z" },
    ],
  ])("%s", (_, body, expected) => {
    expect(isEventBridgeEvent(body)).toBe(true);
    expect(lookFromEvent(body)).toMatchObject(expected);
  });

  it.each([
    [
      "a resource status change",
      envelope("aws.cloudformation", "CloudFormation Resource Status Change", { "stack-id": STACK_ID }),
      /not about a stack's status/,
    ],
    [
      "a stack id that is not a stack ARN",
      envelope("aws.cloudformation", "CloudFormation Stack Status Change", { "stack-id": "branchline-x" }),
      /not a stack ARN/,
    ],
    [
      "a stack status change without a stack id",
      envelope("aws.cloudformation", "CloudFormation Stack Status Change", {}),
      /without detail.stack-id/,
    ],
    [
      "a pipeline event with a name CodePipeline cannot have",
      envelope("aws.codepipeline", "CodePipeline Pipeline Execution State Change", {
        pipeline: "no spaces",
        "execution-id": "e",
        state: "STARTED",
      }),
      /a CodePipeline name/,
    ],
    [
      "a pipeline event of an unknown state",
      envelope("aws.codepipeline", "CodePipeline Pipeline Execution State Change", {
        pipeline: STACK,
        "execution-id": "e",
        state: "EXPLODED",
      }),
      /state/,
    ],
    [
      "another service's event",
      envelope("aws.ec2", "EC2 Instance State-change Notification", {}),
      /aws\.ec2 are not branchline's/,
    ],
    ["a non-schedule aws.events event", envelope("aws.events", "AWS API Call via CloudTrail", {}), /not a schedule/],
    ["an envelope without an id", { source: "aws.events", "detail-type": "Scheduled Event", detail: {} }, /id/],
  ])("ignores %s, saying why", (_, body, reason) => {
    const look = lookFromEvent(body);
    expect(look.kind).toBe("ignored");
    expect(look.kind === "ignored" && look.reason).toMatch(reason);
  });

  it.each([[null], ["text"], [{ kind: "look", key: "k" }], [{ source: "aws.events" }]])(
    "tells branchline's own messages from events: %j",
    (body) => {
      expect(isEventBridgeEvent(body)).toBe(false);
    },
  );
});

describe("reconcileTick", () => {
  it("is a schedule event, the same for every replica within one interval, and another for the next", async () => {
    const { reconcileTick } = await import("../../src/queue/reconcile-tick.js");
    const interval = 600_000;
    const a = reconcileTick(1_800_000_000_000 + 1_000, interval);
    const b = reconcileTick(1_800_000_000_000 + 500_000, interval);
    const c = reconcileTick(1_800_000_000_000 + 700_000, interval);
    expect(lookFromEvent(JSON.parse(a.body))).toMatchObject({ kind: "reconcile", tick: "2027-01-15T08:00:00.000Z" });
    expect(a).toEqual(b);
    expect(c.deduplicationId).not.toBe(a.deduplicationId);
    expect(a.groupId).toBe(c.groupId);
  });
});
