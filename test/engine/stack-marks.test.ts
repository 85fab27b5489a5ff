import { describe, expect, it } from "vitest";
import { coalesce } from "../../src/engine/engine.js";
import type { RefJob } from "../../src/engine/ref-job.js";
import { splitMarks } from "../../src/engine/stack-marks.js";

const base = { installationId: 1, repo: { owner: "o", name: "r" }, defaultBranch: "main", supersedes: [] };
const push = (id: string, commit: string): RefJob => ({
  ...base,
  deliveryId: id,
  event: { kind: "updated", ref: { type: "branch", name: "main" }, commit },
  cause: { kind: "ref" },
});
const mark = (id: string, state: "unowned" | null, stackName = "s-staging"): RefJob => ({
  ...base,
  deliveryId: id,
  event: { kind: "updated", ref: { type: "branch", name: "main" }, commit: null },
  cause: { kind: "mark", stackName, state, reason: "r" },
});

/** A look's jobs, as the engine hands them over: the newest, carrying the older ones. */
const look = (...jobs: RefJob[]) => splitMarks(coalesce(jobs));

describe("splitMarks: the marks of one look, and the job that goes before them", () => {
  it.each([
    { jobs: [push("p1", "a")], marks: [], rest: "p1", superseded: [] },
    { jobs: [mark("m1", "unowned")], marks: ["m1"], rest: null, superseded: [] },
    // A mark that came after a push, or before it: the push runs, and the mark is written after either way.
    { jobs: [push("p1", "a"), mark("m1", "unowned")], marks: ["m1"], rest: "p1", superseded: [] },
    { jobs: [mark("m1", "unowned"), push("p1", "a")], marks: ["m1"], rest: "p1", superseded: [] },
    // Pushes still supersede one another; of one stack's marks the newest counts.
    {
      jobs: [push("p1", "a"), mark("m1", "unowned"), push("p2", "b"), mark("m2", null)],
      marks: ["m2"],
      rest: "p2",
      superseded: ["p1"],
    },
    {
      jobs: [mark("m1", "unowned", "s-a"), mark("m2", "unowned", "s-b")],
      marks: ["m1", "m2"],
      rest: null,
      superseded: [],
    },
  ])("$jobs.length jobs → marks $marks after $rest", ({ jobs, marks, rest, superseded }) => {
    const split = look(...jobs);
    expect(split.marks.map((m) => m.deliveryId)).toEqual(marks);
    expect(split.rest?.deliveryId ?? null).toBe(rest);
    expect(split.rest?.supersedes.map((j) => j.deliveryId) ?? []).toEqual(superseded);
  });
});
