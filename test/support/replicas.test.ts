import { describe, expect, it } from "vitest";
import type { CallRecord } from "@branchline/aws-emulator";
import { overlappingLooks } from "./replicas.js";

const call = (
  caller: string,
  look: string | undefined,
  target: string,
  startedMs: number,
  endedMs = startedMs + 10,
): CallRecord => ({
  service: "cloudformation",
  operation: "DescribeStacks",
  caller,
  look,
  target,
  startedMs,
  endedMs,
});

describe("overlappingLooks (the replicas test's check on the AWS call log)", () => {
  it.each<[string, CallRecord[], number]>([
    ["one look", [call("A", "a1", "s", 0), call("A", "a1", "s", 500)], 0],
    [
      "a killed worker's look, then another worker's",
      [call("A", "a1", "s", 0), call("A", "a1", "s", 500), call("B", "b1", "s", 7_000)],
      0,
    ],
    [
      "two workers on one stack at once",
      [call("A", "a1", "s", 0), call("B", "b1", "s", 200), call("A", "a1", "s", 500)],
      1,
    ],
    [
      "a short look hiding inside a long one",
      [call("A", "a1", "s", 0), call("A", "a1", "s", 2_000), call("B", "b1", "s", 100), call("C", "c1", "s", 900)],
      2,
    ],
    [
      "two workers at once on different stacks",
      [call("A", "a1", "s", 0), call("B", "b1", "t", 200), call("A", "a1", "s", 500)],
      0,
    ],
    [
      "calls outside any look (a run follower's polls)",
      [call("A", "a1", "s", 0), call("B", undefined, "s", 200), call("A", "a1", "s", 500)],
      0,
    ],
  ])("%s", (_, calls, found) => {
    expect(overlappingLooks(calls)).toHaveLength(found);
  });
});
