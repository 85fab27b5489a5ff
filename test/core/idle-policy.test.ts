import { describe, expect, it } from "vitest";
import { formatSpan, parseDuration } from "../../src/core/duration.js";
import {
  decideCap,
  decideIdle,
  environmentClock,
  warningPeriodMs,
  type IdleEnvironment,
  type IdleRules,
} from "../../src/core/idle-policy.js";

const DAY = 86_400_000;
const HOUR = 3_600_000;
const T0 = new Date("2026-11-01T00:00:00Z");
const at = (ms: number) => new Date(T0.getTime() + ms);
const RULES: IdleRules = { ttlMs: 7 * DAY, maxEnvironments: null, keepOpenPullRequests: false };

function env(over: Partial<IdleEnvironment> = {}): IdleEnvironment {
  return {
    stackName: "s",
    branch: "feature/x",
    createdAt: T0,
    lastPushAt: T0,
    lastRunCommit: "a",
    head: "a",
    busy: false,
    canHibernate: false,
    hibernated: false,
    keepLabel: false,
    openPullRequest: false,
    warnedAt: null,
    keptAt: null,
    ...over,
  };
}

describe("parseDuration and formatSpan", () => {
  it.each([
    ["7d", 7 * DAY],
    ["36h", 36 * HOUR],
    ["90m", 90 * 60_000],
    ["2w", 14 * DAY],
    ["0d", null],
    ["7 days", null],
    ["1.5d", null],
    ["", null],
  ])("%j is %j ms", (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each([
    [7 * DAY, "7d"],
    [6 * DAY + 23 * HOUR + 59 * 60_000, "6d 23h"],
    [45 * 60_000, "45m"],
    [2 * HOUR + 5 * 60_000, "2h 5m"],
    [-3 * HOUR, "-3h"],
  ])("%j ms reads %j", (ms, text) => expect(formatSpan(ms)).toBe(text));
});

describe("decideIdle", () => {
  it.each<[string, Partial<IdleEnvironment>, Partial<IdleRules>, number, string]>([
    ["fresh", {}, {}, 2 * DAY, "active"],
    ["no ttl", {}, { ttlMs: null }, 90 * DAY, "kept"],
    ["within a day of the deadline", {}, {}, 6 * DAY + HOUR, "warn"],
    ["warned, before the deadline", { warnedAt: at(6 * DAY) }, {}, 6 * DAY + 12 * HOUR, "warned"],
    ["warned a day ago, past the deadline", { warnedAt: at(6 * DAY) }, {}, 7 * DAY + 1, "end"],
    ["warned late: a full day after the warning", { warnedAt: at(10 * DAY) }, {}, 10 * DAY + 23 * HOUR, "warned"],
    ["past the deadline, never warned", {}, {}, 30 * DAY, "warn"],
    ["a warning from before the last push does not count", { warnedAt: at(-DAY) }, {}, 6 * DAY + HOUR, "warn"],
    ["keep label", { keepLabel: true }, {}, 30 * DAY, "kept"],
    ["open pull request, not configured", { openPullRequest: true }, {}, 30 * DAY, "warn"],
    ["open pull request, configured", { openPullRequest: true }, { keepOpenPullRequests: true }, 30 * DAY, "kept"],
    ["a run under way", { busy: true }, {}, 30 * DAY, "kept"],
    ["a push not deployed yet", { head: "b" }, {}, 30 * DAY, "kept"],
    ["hibernated", { hibernated: true }, {}, 30 * DAY, "asleep"],
    [
      "the keep label came off 3 days ago: the clock started again then",
      { keptAt: at(27 * DAY) },
      {},
      30 * DAY,
      "active",
    ],
    ["the keep label came off 6 days and 2 hours ago", { keptAt: at(24 * DAY - 2 * HOUR) }, {}, 30 * DAY, "warn"],
    [
      "a warning from before the label came off does not count",
      { keptAt: at(20 * DAY), warnedAt: at(10 * DAY) },
      {},
      30 * DAY,
      "warn",
    ],
    ["a label change from before the last push changes nothing", { keptAt: at(-10 * DAY) }, {}, 6 * DAY + HOUR, "warn"],
  ])("%s", (_name, over, rules, now, kind) => {
    expect(decideIdle(env(over), { ...RULES, ...rules }, at(now)).kind).toBe(kind);
  });

  it("ends by hibernating where the template can, else by teardown", () => {
    const warned = { warnedAt: at(6 * DAY) };
    expect(decideIdle(env({ ...warned, canHibernate: true }), RULES, at(8 * DAY))).toMatchObject({
      kind: "end",
      then: "hibernate",
    });
    expect(decideIdle(env(warned), RULES, at(8 * DAY))).toMatchObject({ kind: "end", then: "teardown" });
  });

  it("counts the idle time from the push or the keep label's last change, whichever is later", () => {
    const labelled = env({ keptAt: at(20 * DAY), warnedAt: at(26 * DAY + HOUR) });
    expect(decideIdle(labelled, RULES, at(27 * DAY + 2 * HOUR))).toMatchObject({
      kind: "end",
      why: "no push or change of the branchline:keep label for 7d 2h (branches.ttl is 7d)",
    });
    expect(decideIdle(env({ warnedAt: at(6 * DAY) }), RULES, at(8 * DAY))).toMatchObject({
      why: "no push for 8d (branches.ttl is 7d)",
    });
  });

  it("gives a late warning a full warning period", () => {
    const decision = decideIdle(env(), RULES, at(30 * DAY));
    expect(decision).toEqual({ kind: "warn", deadline: at(31 * DAY), then: "teardown" });
  });

  it("warns half the ttl ahead when the ttl is under two days", () => {
    expect(warningPeriodMs(12 * HOUR)).toBe(6 * HOUR);
    expect(decideIdle(env(), { ...RULES, ttlMs: 12 * HOUR }, at(5 * HOUR)).kind).toBe("active");
    expect(decideIdle(env(), { ...RULES, ttlMs: 12 * HOUR }, at(7 * HOUR)).kind).toBe("warn");
  });
});

describe("environmentClock", () => {
  it("gives age, time since the last push, and time left", () => {
    const clock = environmentClock(
      { createdAt: at(-3 * DAY), lastPushAt: at(0), warnedAt: null, hibernated: false },
      7 * DAY,
      at(2 * DAY),
    );
    expect(clock).toEqual({ ageMs: 5 * DAY, sinceLastPushMs: 2 * DAY, timeLeftMs: 5 * DAY });
  });

  it("has no time left to count without a ttl or once hibernated, and never counts below zero", () => {
    const base = { createdAt: T0, lastPushAt: T0, warnedAt: null, hibernated: false };
    expect(environmentClock(base, null, at(DAY)).timeLeftMs).toBeNull();
    expect(environmentClock({ ...base, hibernated: true }, 7 * DAY, at(DAY)).timeLeftMs).toBeNull();
    expect(environmentClock(base, 7 * DAY, at(9 * DAY)).timeLeftMs).toBe(0);
  });

  it("counts time left from the keep label's last change when that came after the push", () => {
    const clock = environmentClock(
      { createdAt: T0, lastPushAt: T0, warnedAt: null, hibernated: false, keptAt: at(10 * DAY) },
      7 * DAY,
      at(12 * DAY),
    );
    expect(clock).toEqual({ ageMs: 12 * DAY, sinceLastPushMs: 12 * DAY, timeLeftMs: 5 * DAY });
  });
});

describe("decideCap", () => {
  const cap = (n: number): IdleRules => ({ ...RULES, ttlMs: null, maxEnvironments: n });
  const old = env({ branch: "old", stackName: "old", lastPushAt: at(0) });
  const mid = env({ branch: "mid", stackName: "mid", lastPushAt: at(DAY) });
  const recent = env({ branch: "recent", stackName: "recent", lastPushAt: at(2 * DAY) });

  it("has room under the cap, or without one", () => {
    expect(decideCap([old, mid], cap(3))).toEqual({ kind: "room" });
    expect(decideCap([old, mid, recent], { ...RULES, maxEnvironments: null })).toEqual({ kind: "room" });
  });

  it("evicts the least recently pushed idle environment first", () => {
    expect(decideCap([recent, old, mid], cap(3))).toEqual({ kind: "evict", victims: [old] });
    expect(decideCap([recent, old, mid], cap(2))).toEqual({ kind: "evict", victims: [old, mid] });
  });

  it("passes over kept and busy environments, and is full when none can go", () => {
    expect(decideCap([{ ...old, keepLabel: true }, mid, recent], cap(3))).toEqual({ kind: "evict", victims: [mid] });
    expect(
      decideCap(
        [
          { ...old, busy: true },
          { ...mid, keepLabel: true },
        ],
        cap(2),
      ),
    ).toEqual({ kind: "full", count: 2, cap: 2 });
  });
});
