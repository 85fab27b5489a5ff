import type { LookupAddress } from "node:dns";
import { describe, expect, it } from "vitest";
import { addressProblem } from "../../src/notifications/address-policy.js";
import { guardedLookup } from "../../src/notifications/deliver.js";
import { sinkVariableProblem } from "../../src/core/sink-env.js";

describe("sink addresses", () => {
  it.each([
    ["8.8.8.8", false, null],
    ["2001:4860:4860::8888", false, null],
    ["127.0.0.1", false, "loopback"],
    ["127.0.0.1", true, null],
    ["::1", false, "loopback"],
    ["0.0.0.0", true, "unspecified"],
    ["::", true, "unspecified"],
    ["::ffff:7f00:1", true, "IPv4-mapped"],
    ["::ffff:8.8.8.8", false, "IPv4-mapped"],
    ["10.1.2.3", true, "private"],
    ["172.20.0.1", true, "private"],
    ["192.168.1.1", true, "private"],
    ["100.64.0.1", true, "private"],
    ["fd00::1", true, "private"],
    ["169.254.169.254", true, "link-local"],
    ["fe80::1", true, "link-local"],
    ["224.0.0.1", true, "multicast"],
  ])("%s (loopback allowed: %s) → %s", (address, allowLoopback, category) => {
    const problem = addressProblem(address, { allowLoopback });
    if (category === null) expect(problem).toBeNull();
    else expect(problem).toContain(category);
  });

  it("refuses a DNS name whose answers include a private address, before any connection", async () => {
    const resolve = ((_host: string, _options: unknown, callback: (e: null, a: LookupAddress[]) => void) =>
      callback(null, [
        { address: "93.184.216.34", family: 4 },
        { address: "10.0.0.5", family: 4 },
      ])) as never;
    const lookup = guardedLookup({ allowLoopback: false }, resolve);
    const error = await new Promise<Error | null>((done) => lookup("hooks.example.com", {}, (e) => done(e)));
    expect(error?.message).toContain("10.0.0.5 is a private address");
  });
});

describe("sink variables", () => {
  it.each([
    ["BRANCHLINE_SINK_SLACK_URL", "octo-org", null],
    ["BRANCHLINE_SINK_OCTO_ORG__SLACK_URL", "octo-org", null],
    ["BRANCHLINE_SINK_OTHER_CO__SLACK_URL", "octo-org", "scoped to another owner"],
    ["WEBHOOK_SECRET", "octo-org", "only variables named BRANCHLINE_SINK_"],
    ["PRIVATE_KEY", "octo-org", "only variables named BRANCHLINE_SINK_"],
    ["AWS_SECRET_ACCESS_KEY", "octo-org", "only variables named BRANCHLINE_SINK_"],
  ])("%s for %s → %s", (name, owner, expected) => {
    const problem = sinkVariableProblem(name, owner);
    if (expected === null) expect(problem).toBeNull();
    else expect(problem).toContain(expected);
  });
});
