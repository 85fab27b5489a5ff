import { CreateStackCommand } from "@aws-sdk/client-cloudformation";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CallRecord } from "@branchline/aws-emulator";
import { startBranchline, type RunningApp } from "../support/branchline.js";
import { allStacks, emulatedAws, type EmulatedAws } from "../support/aws.js";
import { FakeGitHub } from "../support/fake-github.js";
import { pushToBranch } from "../support/payloads.js";
import { A, B, C, closeScene, givenRepository } from "../support/scenario.js";

/** A small page, so that listing an account's stacks takes several calls, as in a big account. */
const PAGE = 2;
const OTHER_STACKS = 5;
const D = "d".repeat(40);
const E = "e".repeat(40);

let aws: EmulatedAws;
let github: FakeGitHub;
let app: RunningApp;
let calls: CallRecord[];

beforeEach(async () => {
  calls = [];
  aws = await emulatedAws({ pageSize: PAGE, onCall: (call) => calls.push(call) });
  github = new FakeGitHub("octo-org", "shop").install();
  app = await startBranchline(aws.clients);
  givenRepository(github, { commits: [A, B, C, D, E] });
  // Stacks of other teams: the account is not branchline's alone.
  for (let i = 0; i < OTHER_STACKS; i++) {
    await aws.clients.cloudformation.send(
      new CreateStackCommand({
        StackName: `other-team-${i}`,
        TemplateBody: JSON.stringify({ Resources: { Topic: { Type: "AWS::SNS::Topic" } } }),
      }),
    );
  }
  github.repository.branch("main", A);
  await app.deliver("push", pushToBranch("main", A));
  await app.settle();
});

afterEach(() => closeScene({ aws, github, app }));

/** Pages of DescribeStacks that name no stack: listings of the whole account. */
function listingPages(): number {
  return calls.filter(
    (c) => c.service === "cloudformation" && c.operation === "DescribeStacks" && c.target === undefined,
  ).length;
}

describe("finding an environment's stack", () => {
  it("lists the account's stacks at most once for many branches' first pushes, not once per branch", async () => {
    calls.length = 0;
    const firsts = [
      ["feature/a", B],
      ["feature/b", C],
      ["feature/c", D],
      ["feature/d", E],
    ] as const;
    for (const [branch, commit] of firsts) github.repository.branch(branch, commit);
    await Promise.all(
      firsts.map(([branch, commit]) => app.deliver("push", pushToBranch(branch, commit, { created: true }))),
    );
    await app.settle();

    const stacks = await allStacks(aws.clients);
    expect(stacks.filter((s) => s.StackName!.startsWith("branchline-shop-br-"))).toHaveLength(firsts.length);
    // One listing of what the account held when the first push looked: its pages, no more.
    const onePass = Math.ceil((OTHER_STACKS + 1 + firsts.length) / PAGE);
    expect(listingPages()).toBeGreaterThan(0);
    expect(listingPages()).toBeLessThanOrEqual(onePass);
  });
});
