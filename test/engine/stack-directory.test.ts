import { CreateStackCommand } from "@aws-sdk/client-cloudformation";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CallRecord } from "@branchline/aws-emulator";
import { StackDirectory } from "../../src/engine/stack-directory.js";
import { emulatedAws, type EmulatedAws } from "../support/aws.js";

let aws: EmulatedAws;
let calls: CallRecord[];
let now: number;

beforeEach(async () => {
  calls = [];
  now = 1_000_000;
  aws = await emulatedAws({ pageSize: 1, onCall: (call) => calls.push(call) });
});
afterEach(() => aws.close());

const TEMPLATE = JSON.stringify({ Resources: { Topic: { Type: "AWS::SNS::Topic" } } });

async function givenStack(name: string, repositoryId: number) {
  await aws.clients.cloudformation.send(
    new CreateStackCommand({
      StackName: name,
      TemplateBody: TEMPLATE,
      Tags: [
        { Key: "branchline:managed-by", Value: "branchline" },
        { Key: "branchline:repository-id", Value: String(repositoryId) },
      ],
    }),
  );
}

/** Pages of DescribeStacks naming no stack: the account listed. */
function listings(): number {
  return calls.filter((c) => c.operation === "DescribeStacks" && c.target === undefined).length;
}

describe("StackDirectory: branchline's stacks by repository id, one listing shared", () => {
  it("answers concurrent lookups of several repositories with one listing, until it is older than its age", async () => {
    await givenStack("branchline-a-staging-1", 1);
    await givenStack("branchline-b-staging-2", 2);
    const directory = new StackDirectory(aws.clients.cloudformation, 60_000, () => now);
    calls.length = 0;
    const [a, b, none] = await Promise.all([
      directory.ofRepository(1),
      directory.ofRepository(2),
      directory.ofRepository(3),
    ]);
    expect([a.map((s) => s.name), b.map((s) => s.name), none]).toEqual([
      ["branchline-a-staging-1"],
      ["branchline-b-staging-2"],
      [],
    ]);
    const onePass = listings();
    expect(onePass).toBeGreaterThan(0);

    now += 60_000;
    await directory.ofRepository(1);
    expect(listings()).toBe(onePass);
    now += 1;
    await givenStack("branchline-a-br-x-3", 1);
    expect((await directory.ofRepository(1)).map((s) => s.name).sort()).toEqual([
      "branchline-a-br-x-3",
      "branchline-a-staging-1",
    ]);
    expect(listings()).toBeGreaterThan(onePass);
  });

  it("a listing a look starts answers the lookups made meanwhile, never the older one", async () => {
    const directory = new StackDirectory(aws.clients.cloudformation, 60_000, () => now);
    expect(await directory.ofRepository(1)).toEqual([]);
    await givenStack("branchline-a-staging-1", 1);
    // Fresh by age, but a look (a rename's) lists now: a lookup made while it runs waits for it.
    const looking = directory.list();
    const found = await directory.ofRepository(1);
    expect(found.map((s) => s.name)).toEqual(["branchline-a-staging-1"]);
    expect((await looking).map((s) => s.name)).toEqual(["branchline-a-staging-1"]);
  });
});
