import { describe, expect, it } from "vitest";
import {
  branchIncluded,
  parseFullRef,
  route,
  type GitRef,
  type Intent,
  type RefEvent,
  type RoutingRules,
} from "../../src/core/routing.js";

const SHA = "6113728f27ae82c7b1a177c8d03f9e96e0adf246";
const RULES: RoutingRules = { branches: { include: ["**"], exclude: [] }, releaseTags: ["v[0-9]*"] };
const rules = (over: { include?: string[]; exclude?: string[]; releaseTags?: string[] }): RoutingRules => ({
  branches: { include: over.include ?? ["**"], exclude: over.exclude ?? [] },
  releaseTags: over.releaseTags ?? ["v[0-9]*"],
});
const branchRef = (name: string): GitRef => ({ type: "branch", name });
const tagRef = (name: string): GitRef => ({ type: "tag", name });
const updated = (ref: GitRef, commit: string | null = SHA): RefEvent => ({ kind: "updated", ref, commit });
const deleted = (ref: GitRef): RefEvent => ({ kind: "deleted", ref });

describe("parseFullRef", () => {
  it.each<[string, GitRef | null]>([
    ["refs/heads/main", { type: "branch", name: "main" }],
    ["refs/heads/feature/login/form", { type: "branch", name: "feature/login/form" }],
    ["refs/heads/v1.2.3", { type: "branch", name: "v1.2.3" }],
    ["refs/heads/refs/tags/v1", { type: "branch", name: "refs/tags/v1" }],
    ["refs/tags/v1.2.3", { type: "tag", name: "v1.2.3" }],
    ["refs/tags/release/2024-01", { type: "tag", name: "release/2024-01" }],
    ["refs/tags/refs/heads/x", { type: "tag", name: "refs/heads/x" }],
    ["refs/pull/1/head", null],
    ["refs/notes/commits", null],
    ["refs/remotes/origin/main", null],
    ["heads/main", null],
    ["main", null],
    ["v1.2.3", null],
    ["", null],
    ["REFS/HEADS/main", null],
  ])("%j → %j", (ref, expected) => {
    expect(parseFullRef(ref)).toEqual(expected);
  });
});

describe("route: branches", () => {
  it.each<[string, RefEvent, string, Intent]>([
    [
      "a push to a feature branch deploys its branch environment",
      updated(branchRef("feature/x")),
      "main",
      { action: "deploy", environment: { kind: "branch", branch: "feature/x" }, commit: SHA },
    ],
    [
      "a push to the default branch deploys staging",
      updated(branchRef("main")),
      "main",
      { action: "deploy", environment: { kind: "staging", branch: "main" }, commit: SHA },
    ],
    [
      "the default branch comes from the argument (trunk)",
      updated(branchRef("trunk")),
      "trunk",
      { action: "deploy", environment: { kind: "staging", branch: "trunk" }, commit: SHA },
    ],
    [
      "master is an ordinary branch when trunk is the default",
      updated(branchRef("master")),
      "trunk",
      { action: "deploy", environment: { kind: "branch", branch: "master" }, commit: SHA },
    ],
    [
      "main is an ordinary branch when trunk is the default",
      updated(branchRef("main")),
      "trunk",
      { action: "deploy", environment: { kind: "branch", branch: "main" }, commit: SHA },
    ],
    [
      "the default branch is matched exactly (case)",
      updated(branchRef("Main")),
      "main",
      { action: "deploy", environment: { kind: "branch", branch: "Main" }, commit: SHA },
    ],
    [
      "a branch named v1.2.3 is a branch, never production",
      updated(branchRef("v1.2.3")),
      "main",
      { action: "deploy", environment: { kind: "branch", branch: "v1.2.3" }, commit: SHA },
    ],
    [
      "a branch named production is a branch",
      updated(branchRef("production")),
      "main",
      { action: "deploy", environment: { kind: "branch", branch: "production" }, commit: SHA },
    ],
    [
      "a branch named staging is a branch",
      updated(branchRef("staging")),
      "main",
      { action: "deploy", environment: { kind: "branch", branch: "staging" }, commit: SHA },
    ],
    [
      "a created branch without a commit deploys with commit null",
      updated(branchRef("feature/x"), null),
      "main",
      { action: "deploy", environment: { kind: "branch", branch: "feature/x" }, commit: null },
    ],
    [
      "a created default branch without a commit deploys staging with commit null",
      updated(branchRef("main"), null),
      "main",
      { action: "deploy", environment: { kind: "staging", branch: "main" }, commit: null },
    ],
    [
      "a deleted branch destroys its environment",
      deleted(branchRef("feature/x")),
      "main",
      { action: "destroy", environment: { kind: "branch", branch: "feature/x" } },
    ],
    [
      "a deleted branch named v1.2.3 destroys a branch environment",
      deleted(branchRef("v1.2.3")),
      "main",
      { action: "destroy", environment: { kind: "branch", branch: "v1.2.3" } },
    ],
  ])("%s", (_, event, defaultBranch, expected) => {
    expect(route(event, defaultBranch, RULES)).toEqual(expected);
  });

  it.each(["main", "trunk", "develop"])("never destroys staging: deleting the default branch %j is ignored", (name) => {
    const intent = route(deleted(branchRef(name)), name, RULES);
    expect(intent.action).toBe("ignore");
    expect(intent.action === "ignore" && intent.reason).toContain(name);
  });

  it("destroys a deleted branch even when config now excludes it", () => {
    const excluding = rules({ include: ["feature/**"], exclude: ["feature/old-*"] });
    expect(route(deleted(branchRef("feature/old-x")), "main", excluding)).toEqual({
      action: "destroy",
      environment: { kind: "branch", branch: "feature/old-x" },
    });
    expect(route(deleted(branchRef("hotfix/x")), "main", excluding)).toEqual({
      action: "destroy",
      environment: { kind: "branch", branch: "hotfix/x" },
    });
  });

  it("ignores a push to an excluded branch, and says why", () => {
    const intent = route(updated(branchRef("dependabot/npm/x")), "main", rules({ exclude: ["dependabot/**"] }));
    expect(intent).toMatchObject({ action: "ignore" });
    expect(intent.action === "ignore" && intent.reason).toMatch(/dependabot\/npm\/x.*exclude/);
  });

  it("deploys staging even when the branch rules exclude the default branch", () => {
    const intent = route(updated(branchRef("main")), "main", rules({ include: ["feature/**"], exclude: ["main"] }));
    expect(intent).toEqual({ action: "deploy", environment: { kind: "staging", branch: "main" }, commit: SHA });
  });
});

describe("route: tags", () => {
  it.each<[string, RoutingRules]>([
    ["v1.2.3", RULES],
    ["v10", RULES],
    ["v2.0.0-rc.1", RULES],
    ["release-2024", rules({ releaseTags: ["release-*"] })],
    ["release/2024/01", rules({ releaseTags: ["release/**"] })],
    ["1.2.3", rules({ releaseTags: ["v*", "[0-9]*"] })],
    [".hidden", rules({ releaseTags: ["*"] })],
  ])("a tag %j matching releaseTags deploys production at the tag's commit", (name, routing) => {
    expect(route(updated(tagRef(name)), "main", routing)).toEqual({
      action: "deploy",
      environment: { kind: "production", tag: name },
      commit: SHA,
    });
  });

  it("a release tag whose commit is not known yet (create event) deploys with commit null", () => {
    expect(route(updated(tagRef("v1"), null), "main", RULES)).toEqual({
      action: "deploy",
      environment: { kind: "production", tag: "v1" },
      commit: null,
    });
  });

  it.each<[string, RoutingRules]>([
    ["1.2.3", RULES],
    ["version-1", RULES],
    ["V1.2.3", RULES],
    ["va", RULES],
    ["v1/extra", RULES],
    ["release/2024/01", rules({ releaseTags: ["release/*"] })],
    ["anything", rules({ releaseTags: [] })],
  ])("a tag %j not matching releaseTags is ignored", (name, routing) => {
    const intent = route(updated(tagRef(name)), "main", routing);
    expect(intent.action).toBe("ignore");
    expect(intent.action === "ignore" && intent.reason).toContain(name);
  });

  it.each(["v1.2.3", "not-a-release"])(
    "a deleted tag %j is ignored: production is never destroyed by a tag",
    (name) => {
      const intent = route(deleted(tagRef(name)), "main", RULES);
      expect(intent.action).toBe("ignore");
    },
  );

  it("a tag named like the default branch is still a tag", () => {
    expect(route(updated(tagRef("main")), "main", rules({ releaseTags: ["main"] }))).toEqual({
      action: "deploy",
      environment: { kind: "production", tag: "main" },
      commit: SHA,
    });
    expect(route(deleted(tagRef("main")), "main", RULES).action).toBe("ignore");
  });
});

describe("branchIncluded", () => {
  it.each<[string, string[], string[], boolean]>([
    ["main", ["**"], [], true],
    ["feature/login/form", ["**"], [], true],
    [".dotted", ["**"], [], true],
    ["feature/.dotted/x", ["**"], [], true],
    ["feature/x", ["feature/*"], [], true],
    ["feature/x/y", ["feature/*"], [], false],
    ["feature/x/y", ["feature/**"], [], true],
    ["feature", ["feature/**"], [], true],
    ["hotfix/x", ["feature/**"], [], false],
    ["hotfix/x", ["feature/**", "hotfix/**"], [], true],
    ["release-1.2", ["release-*.*"], [], true],
    ["release-12", ["release-*.*"], [], false],
    ["dependabot/npm/x", ["**"], ["dependabot/**"], false],
    ["renovate/x", ["**"], ["dependabot/**"], true],
    ["wip-x", ["**"], ["wip-*"], false],
    ["feature/wip-x", ["**"], ["wip-*"], true],
    ["feature/wip-x", ["**"], ["**/wip-*"], false],
    ["Feature/x", ["feature/**"], [], false],
    ["anything", [], [], false],
    ["x", ["x"], ["x"], false],
  ])("%j with include %j and exclude %j → %s", (name, include, exclude, expected) => {
    expect(branchIncluded(name, rules({ include, exclude }))).toBe(expected);
  });
});
