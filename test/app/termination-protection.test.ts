import { DescribeStacksCommand, UpdateTerminationProtectionCommand } from "@aws-sdk/client-cloudformation";
import { afterEach, beforeEach, expect, it } from "vitest";
import type { RunningApp } from "../support/branchline.js";
import type { EmulatedAws } from "../support/aws.js";
import type { FakeGitHub } from "../support/fake-github.js";
import { pushToBranch } from "../support/payloads.js";
import { A, B, closeScene, givenRepository, onlyStack, openScene } from "../support/scenario.js";

let aws: EmulatedAws;
let github: FakeGitHub;
let app: RunningApp;

beforeEach(async () => {
  ({ aws, github, app } = await openScene());
  givenRepository(github);
});

afterEach(() => closeScene({ aws, github, app }));

const protection = async (stackName: string) =>
  (await aws.clients.cloudformation.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0]
    ?.EnableTerminationProtection;

it("puts staging's termination protection back on at the next deploy when it was turned off", async () => {
  await app.deliver("push", pushToBranch("main", A));
  await app.settle();
  const stack = (await onlyStack(aws)).StackName!;
  expect(await protection(stack)).toBe(true);
  await aws.clients.cloudformation.send(
    new UpdateTerminationProtectionCommand({ StackName: stack, EnableTerminationProtection: false }),
  );

  await app.deliver("push", pushToBranch("main", B));
  await app.settle();

  expect(await protection(stack)).toBe(true);
  expect(github.checkRunsFor(B)[0]).toMatchObject({ conclusion: "success" });
  expect(github.checkRunsFor(B)[0]!.output.summary).toContain(`Turned termination protection of ${stack} on`);
});
