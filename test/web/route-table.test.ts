import { describe, expect, it } from "vitest";
import { matchRoute } from "../../src/web/route-table.js";

describe("web routes", () => {
  it.each<[string[], boolean, unknown]>([
    [[], false, { kind: "repos" }],
    [[], true, null],
    [["repos"], true, { kind: "repos" }],
    [["me"], true, { kind: "me" }],
    [["me"], false, null],
    [["repos", "o", "r"], false, { kind: "environments", owner: "o", name: "r" }],
    [["repos", "o", "r"], true, null],
    [["repos", "o", "r", "environments"], true, { kind: "environments", owner: "o", name: "r" }],
    [["repos", "o", "r", "readiness"], false, { kind: "readiness", owner: "o", name: "r" }],
    [["repos", "o", "r", "events"], true, { kind: "events", owner: "o", name: "r" }],
    [["repos", "o", "r", "events"], false, null],
    [
      ["repos", "o", "r", "environments", "branch/feature/x"],
      false,
      { kind: "history", owner: "o", name: "r", label: "branch/feature/x" },
    ],
    [
      ["repos", "o", "r", "environments", "staging", "runs"],
      true,
      { kind: "history", owner: "o", name: "r", label: "staging" },
    ],
    [
      ["repos", "o", "r", "environments", "staging", "runs", "e1"],
      true,
      { kind: "run", owner: "o", name: "r", label: "staging", executionId: "e1" },
    ],
    [
      ["repos", "o", "r", "environments", "staging", "runs", "e1", "approve"],
      true,
      { kind: "action", owner: "o", name: "r", label: "staging", executionId: "e1", action: "approve" },
    ],
    [["repos", "o", "r", "environments", "staging", "runs", "e1", "delete"], true, null],
    [["repos", "o", "r", "environments", "staging", "runs", "e1", "approve", "x"], true, null],
    [["repos", "o", "r", "nope"], true, null],
  ])("%j (api: %s)", (parts, api, route) => {
    expect(matchRoute(parts, api)).toEqual(route);
  });
});
