import { describe, expect, it } from "vitest";
import { messageDeduplicationId, messageGroupId } from "../../src/queue/sqs-ids.js";

const SQS_ID = /^[!-~]{1,128}$/;

describe("messageGroupId", () => {
  it.each([
    ["a plain key is kept as it is", "42/octo-org/shop#branch:feature/x", "42/octo-org/shop#branch:feature/x"],
    ["punctuation SQS allows is kept", "42/o/r#branch:a!b~c(d)", "42/o/r#branch:a!b~c(d)"],
  ])("%s", (_, key, expected) => {
    expect(messageGroupId(key)).toBe(expected);
  });

  it.each([
    ["non-ASCII", "42/o/r#branch:fünf"],
    ["a space", "42/o/r#branch:a b"],
    ["over 128 characters", `42/o/r#branch:${"x".repeat(200)}`],
    ["exactly 129 characters", "k".repeat(129)],
  ])("a key with %s becomes a valid id with a readable prefix and a hash", (_, key) => {
    const id = messageGroupId(key);
    expect(id).toMatch(SQS_ID);
    expect(id.startsWith(key.slice(0, 10).replace(/[^!-~]+/g, "_"))).toBe(true);
    expect(messageGroupId(key)).toBe(id);
  });

  it("keys that differ only in what is replaced still get different groups", () => {
    expect(messageGroupId("42/o/r#branch:fünf")).not.toBe(messageGroupId("42/o/r#branch:fänf"));
    const long = `42/o/r#branch:${"x".repeat(200)}`;
    expect(messageGroupId(`${long}a`)).not.toBe(messageGroupId(`${long}b`));
  });

  it("refuses an empty key", () => {
    expect(() => messageGroupId("")).toThrow(/never empty/);
  });
});

describe("messageDeduplicationId", () => {
  it("is the same for a redelivered webhook (same delivery, same key)", () => {
    expect(messageDeduplicationId("d-1", "k")).toBe(messageDeduplicationId("d-1", "k"));
  });

  it.each([
    ["another delivery", ["d-2", "k"]],
    ["another key of the same delivery", ["d-1", "k2"]],
    ["parts that join to the same text", ["d-1k", ""]],
  ] as const)("differs for %s", (_, [delivery, key]) => {
    expect(messageDeduplicationId(delivery, key)).not.toBe(messageDeduplicationId("d-1", "k"));
  });

  it.each([
    ["a GitHub delivery id", "72d3162e-cc78-11e3-81ab-4c9367dc0958"],
    ["a long id", "x".repeat(500)],
    ["a non-ASCII id", "lieferung-ü"],
  ])("is valid for SQS with %s", (_, delivery) => {
    expect(messageDeduplicationId(delivery, "42/o/r#branch:main")).toMatch(SQS_ID);
  });

  it("refuses an empty delivery id", () => {
    expect(() => messageDeduplicationId("", "k")).toThrow(/never empty/);
  });
});
