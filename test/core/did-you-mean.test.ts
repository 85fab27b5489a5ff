import { describe, expect, it } from "vitest";
import { didYouMean, editDistance } from "../../src/core/did-you-mean.js";

const PARAMETERS = ["ConnectionArn", "BuildComputeType", "BuildImage", "ArtifactRetentionDays", "EnvironmentUrl"];

describe("didYouMean", () => {
  it.each([
    ["ConnectionARN", "ConnectionArn"],
    ["ConectionArn", "ConnectionArn"],
    ["BuildComputType", "BuildComputeType"],
    ["BuildImgae", "BuildImage"],
    ["ArtifactRetentionDay", "ArtifactRetentionDays"],
    ["branchline.yaml", "branchline.yml"],
  ])("%s → %s", (typo, meant) => {
    expect(didYouMean(typo, [...PARAMETERS, "branchline.yml"])).toBe(meant);
  });

  it.each([["Region"], ["Completely"], ["Url"]])("%s has no suggestion: nothing is close", (name) => {
    expect(didYouMean(name, PARAMETERS)).toBeUndefined();
  });

  it("suggests nothing when two names are equally close", () => {
    expect(didYouMean("ab", ["ax", "ay"])).toBeUndefined();
  });

  it("never suggests the name itself", () => {
    expect(didYouMean("BuildImage", ["BuildImage"])).toBeUndefined();
  });

  it.each([
    ["", "", 0],
    ["abc", "abc", 0],
    ["abc", "acb", 1],
    ["kitten", "sitting", 3],
    ["", "abc", 3],
  ])("editDistance(%j, %j) = %i", (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
  });
});
