import { describe, expect, it } from "vitest";
import type { StackEventRecord } from "../../src/read-model/run-log.js";
import { runStackEvents, type RunWindow } from "../../src/read-model/stack-window.js";

/** Minutes after a fixed instant, so the table reads as a timeline. */
const t = (minutes: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, 0) + minutes * 60_000);
const event = (minutes: number, status: string, token?: string): StackEventRecord => ({
  stack: "env",
  at: t(minutes),
  logicalId: "Pipeline",
  resourceType: "AWS::CodePipeline::Pipeline",
  status,
  reason: undefined,
  ...(token ? { token } : {}),
});

const createOp = [event(-1.9, "CREATE_IN_PROGRESS", "b-d1-0-create"), event(-1.5, "CREATE_COMPLETE", "b-d1-0-create")];
const updateOp = [event(-0.8, "UPDATE_IN_PROGRESS", "b-d2-0-update"), event(-0.2, "UPDATE_COMPLETE", "b-d2-0-update")];
const window = (previous: number | null, start = 0, end = 5): RunWindow => ({
  startedAt: t(start),
  endedAt: t(end),
  previousStartedAt: previous === null ? null : t(previous),
});
const statuses = (events: readonly StackEventRecord[]) => events.map((e) => `${e.status}@${e.token ?? "-"}`);

describe("a run's window on its environment's stack", () => {
  it.each<[string, StackEventRecord[], RunWindow, string[]]>([
    [
      "the update that prepared the run",
      [...createOp, ...updateOp],
      window(-1.2),
      ["UPDATE_IN_PROGRESS@b-d2-0-update", "UPDATE_COMPLETE@b-d2-0-update"],
    ],
    [
      "no update for this run: the earlier one belongs to the previous run",
      [...createOp, ...updateOp],
      window(-0.1),
      [],
    ],
    [
      "a creation that ended after the pipeline's own first run began prepares the next run",
      createOp,
      window(-1.7),
      ["CREATE_IN_PROGRESS@b-d1-0-create", "CREATE_COMPLETE@b-d1-0-create"],
    ],
    [
      "the first run of the pipeline: the newest operation in the lead",
      [...createOp, ...updateOp],
      window(null),
      ["UPDATE_IN_PROGRESS@b-d2-0-update", "UPDATE_COMPLETE@b-d2-0-update"],
    ],
    ["an operation beyond the lead is not this run's", createOp, window(null, 10, 12), []],
    [
      "events without a token before the start cannot be attributed",
      [event(-0.5, "UPDATE_COMPLETE")],
      window(null),
      [],
    ],
    [
      "what happens while the run runs is shown, whatever its operation",
      [...updateOp, event(1, "UPDATE_IN_PROGRESS", "b-d3-0-update"), event(2, "UPDATE_COMPLETE", "b-d3-0-update")],
      window(-0.1),
      ["UPDATE_IN_PROGRESS@b-d3-0-update", "UPDATE_COMPLETE@b-d3-0-update"],
    ],
    ["nothing after the run's end", [event(6, "UPDATE_IN_PROGRESS", "b-d4-0-update")], window(-0.1), []],
  ])("%s", (_name, events, given, expected) => {
    expect(statuses(runStackEvents(events, given))).toEqual(expected);
  });
});
