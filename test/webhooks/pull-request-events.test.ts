import { describe, expect, it } from "vitest";
import { jobFromPullRequest, previewFromPullRequest } from "../../src/webhooks/pull-request-events.js";
import { laneKey } from "../../src/engine/ref-job.js";
import { pullRequestEvent } from "../support/payloads.js";

type Payload = Parameters<typeof previewFromPullRequest>[1];

function pull(base: string, options: { fromFork?: boolean } = {}): Payload {
  const payload = pullRequestEvent("opened", { branch: "feature/orders", sha: "b".repeat(40), ...options });
  (payload.pull_request as { base: { ref: string }; number: number }).base.ref = base;
  (payload.pull_request as { number: number }).number = 12;
  return payload as unknown as Payload;
}

describe("previewFromPullRequest", () => {
  it("previews a pull request into the default branch, at its head, under a key of its own", () => {
    const preview = previewFromPullRequest("d1", pull("main"));
    expect(preview).toMatchObject({
      cause: { kind: "preview", pullNumber: 12, head: "b".repeat(40) },
      event: { kind: "updated", ref: { type: "branch", name: "feature/orders" } },
    });
    const deploy = jobFromPullRequest("d1", pull("main"))!;
    // Never the lane of the branch's own environment, nor staging's.
    expect(laneKey(preview!)).not.toBe(laneKey(deploy));
    expect(laneKey(preview!)).toMatch(/#preview:feature\/orders$/);
    expect(preview!.deliveryId).not.toBe(deploy.deliveryId);
  });

  it("previews nothing for a pull request into another branch, or from a fork", () => {
    expect(previewFromPullRequest("d2", pull("release/1.x"))).toBeNull();
    expect(previewFromPullRequest("d3", pull("main", { fromFork: true }))).toBeNull();
  });
});
