import { describe, expect, it } from "vitest";
import type { Environment } from "../../src/core/environment.js";
import {
  awsTags,
  belongsToRepository,
  decodedTag,
  decodeTagValue,
  encodedTags,
  encodeTagValue,
  environmentFromTags,
  refTags,
  repositoryFromTags,
  repositoryTags,
  TAG,
  TAG_VALUE_MAX,
  tagsFromAws,
} from "../../src/core/tags.js";

/** AWS's tag value pattern and limit. */
const AWS_TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

describe("tag values", () => {
  it.each([
    ["refs/heads/feature/x", "refs/heads/feature/x"],
    ["refs/heads/fix/#12", "refs/heads/fix/=2312"],
    ["refs/heads/a!b,c(d)", "refs/heads/a=21b=2Cc=28d=29"],
    ["refs/heads/x=y", "refs/heads/x=3Dy"],
    ["refs/heads/~tilde", "refs/heads/=7Etilde"],
    ["refs/heads/café", "refs/heads/caf=C3=A9"],
  ])("%s is encoded as %s, within AWS's character set, and decoded back", (text, encoded) => {
    expect(encodeTagValue(text)).toBe(encoded);
    expect(encoded).toMatch(AWS_TAG_VALUE);
    expect(decodeTagValue(encoded)).toBe(text);
  });

  it.each(["=", "=4", "=zz", "a#b", "=C3"])("refuses %s, which branchline never writes", (value) => {
    expect(decodeTagValue(value)).toBeNull();
  });

  it("spreads a long encoded ref over several tags without cutting an escape, and joins it back", () => {
    const ref = `refs/heads/${"#".repeat(100)}x${"(".repeat(140)}`;
    const tags = encodedTags(TAG.ref, ref);
    expect(Object.keys(tags)).toEqual([TAG.ref, `${TAG.ref}:2`, `${TAG.ref}:3`]);
    for (const value of Object.values(tags)) {
      expect(value.length).toBeLessThanOrEqual(TAG_VALUE_MAX);
      expect(value).toMatch(AWS_TAG_VALUE);
      expect(decodeTagValue(value)).not.toBeNull();
    }
    expect(decodedTag(tags, TAG.ref)).toBe(ref);
  });
});

describe("environments and repositories from tags", () => {
  const managed = { [TAG.managedBy]: "branchline" };
  const branch: Environment = { kind: "branch", branch: "fix/#1!(x)" };

  it("reads back the environment and repository branchline wrote", () => {
    const repo = { owner: "octo-org", name: "shop", id: 4242 };
    const tags = { ...managed, ...repositoryTags(repo), [TAG.environment]: "branch", ...refTags(branch) };
    expect(environmentFromTags(tags)).toEqual(branch);
    expect(repositoryFromTags(tags)).toEqual(repo);
  });

  it.each([
    ["same id, same name", { owner: "octo-org", name: "shop", id: 1 }, true],
    ["same id, renamed", { owner: "octo-org", name: "store", id: 1 }, true],
    ["another id, same name (a new repository under the old name)", { owner: "octo-org", name: "shop", id: 2 }, false],
    ["no id known (a tool), same name", { owner: "Octo-Org", name: "Shop" }, true],
    ["no id known (a tool), other name", { owner: "octo-org", name: "other" }, false],
  ])("a stack of octo-org/shop (id 1) belongs to %s: %s", (_label, repo, expected) => {
    const tags = { ...managed, ...repositoryTags({ owner: "octo-org", name: "shop", id: 1 }) };
    expect(belongsToRepository(tags, repo)).toBe(expected);
  });

  it("owns a stack tagged before ids were by its name", () => {
    const tags = { ...managed, [TAG.repository]: "octo-org/shop" };
    expect(belongsToRepository(tags, { owner: "octo-org", name: "shop", id: 7 })).toBe(true);
    expect(belongsToRepository({ [TAG.repository]: "octo-org/shop" }, { owner: "octo-org", name: "shop", id: 7 })).toBe(
      false,
    );
  });
});

describe("tags to and from AWS's list", () => {
  it.each<[Record<string, string>, { Key: string; Value: string }[]]>([
    [{}, []],
    [{ [TAG.managedBy]: "branchline" }, [{ Key: TAG.managedBy, Value: "branchline" }]],
    [
      { a: "1", b: "" },
      [
        { Key: "a", Value: "1" },
        { Key: "b", Value: "" },
      ],
    ],
  ])("%o goes out as %o and comes back the same", (record, list) => {
    expect(awsTags(record)).toEqual(list);
    expect(tagsFromAws(list)).toEqual(record);
  });

  it("reads a stack without tags, and an entry AWS left half empty, without failing", () => {
    expect(tagsFromAws(undefined)).toEqual({});
    expect(tagsFromAws([{ Key: "k" }, { Value: "v" }])).toEqual({ k: "", "": "v" });
  });
});
