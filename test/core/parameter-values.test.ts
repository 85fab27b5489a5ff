import { describe, expect, it } from "vitest";
import { parameterValueProblem } from "../../src/core/parameter-values.js";
import type { CfnParameter } from "@branchline/cloudformation-template";

const CONNECTION: CfnParameter = {
  Type: "String",
  AllowedPattern: "^arn:aws[a-z-]*:(codeconnections|codestar-connections):[a-z0-9-]+:[0-9]{12}:connection/.+$",
};
const COMPUTE: CfnParameter = {
  Type: "String",
  Default: "BUILD_GENERAL1_SMALL",
  AllowedValues: ["BUILD_GENERAL1_SMALL", "BUILD_GENERAL1_MEDIUM"],
};
const DAYS: CfnParameter = { Type: "Number", Default: 30, MinValue: 1, MaxValue: 3650 };

describe("parameterValueProblem: what CloudFormation would refuse", () => {
  it.each<[string, CfnParameter, string, string | null]>([
    ["a matching ARN", CONNECTION, "arn:aws:codeconnections:eu-west-1:123456789012:connection/abc", null],
    [
      "a name where an ARN is wanted",
      CONNECTION,
      "my-connection",
      `it must match the template's AllowedPattern ${CONNECTION.AllowedPattern}`,
    ],
    [
      "an unanchored pattern matches the whole value",
      { Type: "String", AllowedPattern: "[a-z]+" },
      "abc1",
      "it must match the template's AllowedPattern [a-z]+",
    ],
    ["an allowed value", COMPUTE, "BUILD_GENERAL1_MEDIUM", null],
    [
      "a value not allowed",
      COMPUTE,
      "BUILD_GENERAL1_HUGE",
      "it must be one of the template's AllowedValues: BUILD_GENERAL1_SMALL, BUILD_GENERAL1_MEDIUM",
    ],
    ["a number", DAYS, "7", null],
    ["a word for a number", DAYS, "seven", "the parameter's Type is Number, and this is not a number"],
    ["under MinValue", DAYS, "0", "it must be at least 1 (the template's MinValue)"],
    ["over MaxValue", DAYS, "4000", "it must be at most 3650 (the template's MaxValue)"],
    ["a decimal number", { Type: "Number" }, "2.5", null],
    [
      "too short",
      { Type: "String", MinLength: 3 },
      "ab",
      "it must be at least 3 characters long (the template's MinLength)",
    ],
    [
      "too long",
      { Type: "String", MaxLength: 3 },
      "abcd",
      "it must be at most 3 characters long (the template's MaxLength)",
    ],
    ["a list of numbers", { Type: "List<Number>" }, "1, 2,3", null],
    [
      "a list with a word",
      { Type: "List<Number>" },
      "1,two",
      'item "two" of the list: the parameter\'s Type is Number, and this is not a number',
    ],
    [
      "a delimited list, each item checked",
      { Type: "CommaDelimitedList", AllowedValues: ["a", "b"] },
      "a,c",
      'item "c" of the list: it must be one of the template\'s AllowedValues: a, b',
    ],
    [
      "an AWS-specific type is CloudFormation's to check",
      { Type: "AWS::EC2::KeyPair::KeyName", MaxLength: 1 },
      "my-key",
      null,
    ],
    ["a pattern JavaScript cannot read is CloudFormation's", { Type: "String", AllowedPattern: "(?<" }, "x", null],
  ])("%s", (_, declaration, value, expected) => {
    expect(parameterValueProblem(declaration, value)).toBe(expected);
  });
});
