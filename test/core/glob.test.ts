import { describe, expect, it } from "vitest";
import { matchesAny } from "../../src/core/glob.js";

describe("matchesAny: the config's globs over branch and tag names", () => {
  it.each<[string, readonly string[], boolean]>([
    // branches.include / exclude
    ["feature/x", ["**"], true],
    ["main", ["**"], true],
    ["feature/x", ["feature/*"], true],
    ["feature/x/y", ["feature/*"], false],
    ["feature/x/y", ["feature/**"], true],
    ["release/1.0", ["release/**", "hotfix/**"], true],
    ["hotfix/a/b", ["release/**", "hotfix/**"], true],
    ["chore/x", ["release/**", "hotfix/**"], false],
    ["main", ["{main,develop}"], true],
    // dot-segments are names like any other: an exclude cannot be slipped past by spelling
    [".hidden", ["*"], true],
    ["feature/.x", ["feature/*"], true],
    // case-sensitive, as git is
    ["Main", ["main"], false],
    // releaseTags / allowedTags
    ["v1.2.0", ["v[0-9]*"], true],
    ["version", ["v[0-9]*"], false],
    // a list means any one of them: a negated entry takes nothing out (that is what exclude is for)
    ["v1.2.0-rc.1", ["v*", "!v*-rc*"], true],
    ["v1.2.0-rc.1", ["!v*-rc*"], false],
    // nothing matches an empty name or no patterns
    ["", ["**"], false],
    ["", ["*"], false],
    ["x", [], false],
  ])("%j against %j is %s", (name, patterns, expected) => {
    expect(matchesAny(name, patterns)).toBe(expected);
  });

  it("does not change the caller's list", () => {
    const patterns = Object.freeze(["feature/*"]);
    expect(matchesAny("feature/x", patterns)).toBe(true);
    expect(patterns).toEqual(["feature/*"]);
  });
});
