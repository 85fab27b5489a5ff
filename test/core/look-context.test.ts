import { DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAwsClients, type AwsClients } from "../../src/aws/clients.js";
import { startEmulator, type CallRecord, type Emulator } from "@branchline/aws-emulator";
import { currentLook, withinLook } from "../../src/core/look-context.js";

/** The AWS call log: each call says which look of which caller made it, through the real SDK clients. */
let emulator: Emulator;
let aws: AwsClients;
const calls: CallRecord[] = [];
beforeAll(async () => {
  emulator = await startEmulator({ onCall: (call) => calls.push(call) });
  aws = createAwsClients({
    region: emulator.region,
    endpoint: emulator.url,
    credentials: { accessKeyId: "AKIDWORKER7", secretAccessKey: "x" },
    maxAttempts: 1,
  });
});
afterAll(() => emulator?.close());

const describeStack = (name: string) =>
  aws.cloudformation.send(new DescribeStacksCommand({ StackName: name })).catch(() => undefined);

describe("the look header", () => {
  it("goes with calls made during a look, not with calls its leftovers make after it ended", async () => {
    let leftover!: Promise<unknown>;
    await withinLook("key-a#m1#1", async () => {
      expect(currentLook()).toBe("key-a#m1#1");
      await describeStack("branchline-during");
      leftover = new Promise((resolve) => setTimeout(resolve, 50)).then(() => describeStack("branchline-after"));
    });
    await leftover;
    await describeStack("branchline-outside");
    const byTarget = Object.fromEntries(calls.map((c) => [c.target, c]));
    expect(byTarget["branchline-during"]).toMatchObject({
      service: "cloudformation",
      operation: "DescribeStacks",
      caller: "AKIDWORKER7",
      look: "key-a#m1#1",
    });
    expect(byTarget["branchline-after"]?.look).toBeUndefined();
    expect(byTarget["branchline-outside"]?.look).toBeUndefined();
    expect(byTarget["branchline-during"]!.endedMs).toBeGreaterThanOrEqual(byTarget["branchline-during"]!.startedMs);
  });
});
