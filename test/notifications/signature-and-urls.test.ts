import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { sign, verify } from "../../src/notifications/signature.js";
import { sinkUrlProblem } from "../../src/core/sink-url.js";

describe("HMAC-SHA256 signatures", () => {
  const body = '{"version":1,"event":"run.failed"}';

  it("is sha256= and the hex HMAC of the raw body, as docs/notifications.md shows a receiver computing it", () => {
    expect(sign(body, "secret")).toBe(`sha256=${createHmac("sha256", "secret").update(body).digest("hex")}`);
  });

  it.each<[string, string | undefined, boolean]>([
    ["the right signature", sign(body, "secret"), true],
    ["another secret's", sign(body, "other"), false],
    ["a signature of another body", sign(`${body} `, "secret"), false],
    ["a truncated one", sign(body, "secret").slice(0, 20), false],
    ["none", undefined, false],
  ])("verify: %s → %s", (_name, header, ok) => {
    expect(verify(body, "secret", header)).toBe(ok);
  });
});

describe("sink URLs", () => {
  it.each<[string, boolean, string | null]>([
    ["https://hooks.slack.com/services/T/B/X", false, null],
    ["https://deploys.example.com/hook", true, null],
    ["http://127.0.0.1:9000/hook", true, null],
    ["http://localhost:9000/hook", true, null],
    ["http://[::1]:9000/hook", true, null],
    [
      "http://127.0.0.1:9000/hook",
      false,
      "plain http is allowed only to loopback in tests and the sandbox, not in production",
    ],
    ["https://127.0.0.1/hook", false, "a loopback address is not allowed in production"],
    ["http://hooks.example.com/hook", true, "plain http is not allowed; use https"],
    [
      "https://user:pass@hooks.example.com/hook",
      false,
      "credentials in the URL are not allowed; use a secret environment variable",
    ],
    ["ftp://hooks.example.com/hook", true, "the ftp: scheme is not allowed; use https"],
    ["not a url", true, "not a URL"],
  ])("%s (loopback http allowed: %s) → %s", (url, allowLoopbackHttp, problem) => {
    expect(sinkUrlProblem(url, { allowLoopbackHttp })).toBe(problem);
  });
});
