import { describe, expect, it } from "vitest";
import {
  ENVIRONMENT_KINDS,
  environmentLabel,
  environmentRef,
  followedRef,
  isSharedEnvironment,
  repositoryFullName,
  type Environment,
} from "../../src/core/environment.js";

interface Row {
  readonly env: Environment;
  readonly label: string;
  readonly ref: string;
  readonly followed: string;
  readonly shared: boolean;
}

const TABLE: readonly Row[] = [
  {
    env: { kind: "branch", branch: "feature/x" },
    label: "branch/feature/x",
    ref: "refs/heads/feature/x",
    followed: "refs/heads/feature/x",
    shared: false,
  },
  {
    env: { kind: "branch", branch: "v1.2.3" },
    label: "branch/v1.2.3",
    ref: "refs/heads/v1.2.3",
    followed: "refs/heads/v1.2.3",
    shared: false,
  },
  {
    env: { kind: "branch", branch: "staging" },
    label: "branch/staging",
    ref: "refs/heads/staging",
    followed: "refs/heads/staging",
    shared: false,
  },
  {
    env: { kind: "branch", branch: "日本/ü" },
    label: "branch/日本/ü",
    ref: "refs/heads/日本/ü",
    followed: "refs/heads/日本/ü",
    shared: false,
  },
  {
    env: { kind: "staging", branch: "main" },
    label: "staging",
    ref: "refs/heads/main",
    followed: "refs/heads/main",
    shared: true,
  },
  {
    env: { kind: "staging", branch: "trunk" },
    label: "staging",
    ref: "refs/heads/trunk",
    followed: "refs/heads/trunk",
    shared: true,
  },
  {
    env: { kind: "production", tag: "v1.2.3" },
    label: "production",
    ref: "refs/tags/v1.2.3",
    followed: "refs/tags/",
    shared: true,
  },
  {
    env: { kind: "production", tag: "release/2024" },
    label: "production",
    ref: "refs/tags/release/2024",
    followed: "refs/tags/",
    shared: true,
  },
];

describe.each(TABLE)("$env", ({ env, label, ref, followed, shared }) => {
  it(`is labelled ${label}`, () => expect(environmentLabel(env)).toBe(label));
  it(`deploys from ${ref}`, () => expect(environmentRef(env)).toBe(ref));
  it(`follows ${followed}`, () => expect(followedRef(env)).toBe(followed));
  it(`is ${shared ? "shared" : "transient"}`, () => expect(isSharedEnvironment(env)).toBe(shared));
});

describe("environments", () => {
  it("are of three kinds", () => {
    expect([...ENVIRONMENT_KINDS]).toEqual(["branch", "staging", "production"]);
  });

  it("production follows the same ref for every tag, so each release is a run of one stack", () => {
    expect(followedRef({ kind: "production", tag: "v1" })).toBe(followedRef({ kind: "production", tag: "v2" }));
  });

  it("a branch environment's label never equals a shared environment's", () => {
    for (const name of ["staging", "production", ""]) {
      expect(environmentLabel({ kind: "branch", branch: name })).not.toBe("staging");
      expect(environmentLabel({ kind: "branch", branch: name })).not.toBe("production");
    }
  });

  it.each([
    [{ owner: "Codertocat", name: "Hello-World" }, "Codertocat/Hello-World"],
    [{ owner: "o", name: "r.js" }, "o/r.js"],
  ])("repositoryFullName(%j) is %j, case kept", (repo, full) => {
    expect(repositoryFullName(repo)).toBe(full);
  });
});
