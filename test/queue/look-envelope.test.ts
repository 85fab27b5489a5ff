import { describe, expect, it } from "vitest";
import {
  arrived,
  dueAt,
  freshEnvelope,
  heldEnvelope,
  lookOf,
  mergeEnvelopes,
  parseEnvelope,
  type LookEnvelope,
} from "../../src/queue/look-envelope.js";

const DEBOUNCE = { quietMs: 2_000, maxMs: 10_000 };
const fresh = (id: string, at: number) => arrived(freshEnvelope("k", id), at);
const held = (ids: string[], attempts: number, at: number) => heldEnvelope("k", ids, attempts, at);

describe("dueAt", () => {
  it.each<[string, LookEnvelope<string>[], number]>([
    ["one fresh cause: its quiet period", [fresh("a", 1_000)], 3_000],
    ["a burst: quiet after the latest", [fresh("a", 1_000), fresh("b", 2_500), fresh("c", 4_000)], 6_000],
    [
      "a steady stream: never more than maxMs after the first",
      [fresh("a", 1_000), fresh("b", 6_000), fresh("c", 10_500)],
      11_000,
    ],
    ["held causes: at their time", [held(["a"], 1, 50_000)], 50_000],
    [
      "held causes with a fresh one: the fresh one brings the look forward",
      [held(["a"], 0, 50_000), fresh("b", 4_000)],
      6_000,
    ],
    [
      "held causes due sooner than a fresh one's quiet period: the held time",
      [held(["a"], 0, 3_000), fresh("b", 2_000)],
      3_000,
    ],
  ])("%s", (_, envelopes, expected) => {
    expect(dueAt(envelopes, DEBOUNCE)).toBe(expected);
  });

  it("without a quiet period, fresh causes are due when they arrived", () => {
    expect(dueAt([fresh("a", 1_000)], { quietMs: 0, maxMs: 0 })).toBe(1_000);
  });
});

describe("mergeEnvelopes", () => {
  const cases: [string, LookEnvelope<string>[]][] = [
    ["fresh ones", [fresh("a", 1_000), fresh("b", 2_000)]],
    ["held ones", [held(["a"], 2, 9_000), held(["b"], 1, 7_000)]],
    ["held then fresh", [held(["a", "b"], 0, 50_000), fresh("c", 4_000)]],
    ["fresh then held (a retry re-sent behind a push)", [fresh("c", 4_000), held(["a"], 1, 3_000)]],
    ["a merge and more", [mergeEnvelopes([held(["a"], 0, 50_000), fresh("b", 1_000)]), fresh("c", 12_000)]],
  ];

  it.each(cases)("keeps due-ness: %s", (_, envelopes) => {
    expect(dueAt([mergeEnvelopes(envelopes)], DEBOUNCE)).toBe(dueAt(envelopes, DEBOUNCE));
  });

  it("gives held causes first, then fresh ones by arrival, whatever the queue order", () => {
    // A burst 1..3 was put back (merged) and went behind 4 and 5 in the queue.
    const putBack = mergeEnvelopes([fresh("1", 10), fresh("2", 11), fresh("3", 12)]);
    const merged = mergeEnvelopes([fresh("4", 13), fresh("5", 14), putBack, held(["r"], 1, 5)]);
    expect(lookOf(merged).causes).toEqual(["r", "1", "2", "3", "4", "5"]);
  });

  it.each<[string, LookEnvelope<string>[], number]>([
    ["held causes: one more than their failed attempts", [held(["a"], 2, 1), held(["b"], 1, 1)], 3],
    ["after again: the first attempt", [held(["a"], 0, 1)], 1],
    ["a fresh cause resets them", [held(["a"], 2, 1), fresh("b", 1)], 1],
  ])("attempt: %s", (_, envelopes, attempt) => {
    expect(lookOf(mergeEnvelopes(envelopes)).attempt).toBe(attempt);
  });
});

describe("arrived", () => {
  it("gives a submitted cause SQS's arrival time, and leaves causes with a time of their own alone", () => {
    expect(arrived(freshEnvelope("k", "a"), 7).fresh).toEqual([{ cause: "a", at: 7 }]);
    expect(arrived(held(["a"], 0, 9), 7)).toEqual(held(["a"], 0, 9));
    expect(arrived(fresh("a", 3), 7).fresh).toEqual([{ cause: "a", at: 3 }]);
  });
});

describe("parseEnvelope", () => {
  it("reads what it wrote", () => {
    const envelope = mergeEnvelopes([held(["a"], 1, 5), fresh("b", 2)]);
    expect(parseEnvelope(JSON.stringify(envelope))).toEqual({ ok: true, envelope });
  });

  it.each([
    ["not JSON", "{", /not JSON/],
    ["an EventBridge event", JSON.stringify({ source: "aws.events", "detail-type": "Scheduled Event" }), /v is not 1/],
    ["no key", JSON.stringify({ v: 1, held: null, fresh: [{ cause: "a" }] }), /without a key/],
    ["no causes", JSON.stringify({ v: 1, key: "k", held: null, fresh: [] }), /without causes/],
    [
      "a fresh entry without a cause",
      JSON.stringify({ v: 1, key: "k", held: null, fresh: [{ at: 1 }] }),
      /without a cause/,
    ],
    [
      "a negative attempt count",
      JSON.stringify({ v: 1, key: "k", held: { causes: ["a"], attempts: -1, notBefore: 1 }, fresh: [] }),
      /attempts/,
    ],
    [
      "a time that is text",
      JSON.stringify({ v: 1, key: "k", held: { causes: ["a"], attempts: 0, notBefore: "soon" }, fresh: [] }),
      /epoch/,
    ],
  ])("refuses %s", (_, body, error) => {
    const parsed = parseEnvelope(body);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.error).toMatch(error);
  });
});
