import { describe, expect, it } from "vitest";
import { Outbox } from "../../src/github/outbox.js";

/** A write that waits until released, recording what it sent. */
function gatedWrites() {
  const sent: string[] = [];
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  return {
    sent,
    release,
    write:
      (what: string, wait = false) =>
      async () => {
        if (wait) await gate;
        sent.push(what);
      },
  };
}

describe("the outbox", () => {
  it("sends an installation's writes one at a time, in order, and a waiting write under a key is replaced by a newer one", async () => {
    const outbox = new Outbox({ onError: () => {} });
    const lane = outbox.lane(1);
    const { sent, release, write } = gatedWrites();
    void lane.put("check 1", write("check 1: queued", true));
    void lane.put("check 1", write("check 1: running"));
    void lane.put("deployment 1", write("deployment 1: in progress"));
    void lane.put("check 1", write("check 1: finished"));
    void lane.put("deployment 1", write("deployment 1: success"));
    expect(outbox.backlog).toBe(3);
    release();
    await outbox.drained();
    expect(sent).toEqual(["check 1: queued", "check 1: finished", "deployment 1: success"]);
    expect(outbox.backlog).toBe(0);
  });

  it("keeps installations apart: one held lane does not hold another", async () => {
    const outbox = new Outbox({ onError: () => {} });
    const { sent, release, write } = gatedWrites();
    const held = outbox.lane(1).put("check a", write("a", true));
    await outbox.lane(2).put("check b", write("b"));
    expect(sent).toEqual(["b"]);
    release();
    expect(await held).toBe(true);
    expect(sent).toEqual(["b", "a"]);
  });

  it("a failed write is reported and resolves false; the writes behind it still go", async () => {
    const failures: string[] = [];
    const outbox = new Outbox({ onError: (error, key) => failures.push(`${key}: ${(error as Error).message}`) });
    const lane = outbox.lane(1);
    const first = lane.put("check 1", async () => {
      throw new Error("502 Bad Gateway");
    });
    const second = lane.put("check 2", async () => {});
    expect(await first).toBe(false);
    expect(await second).toBe(true);
    expect(failures).toEqual(["check 1: 502 Bad Gateway"]);
  });

  it("says which keys are busy: waiting or being sent", async () => {
    const outbox = new Outbox({ onError: () => {} });
    const lane = outbox.lane(1);
    const { release, write } = gatedWrites();
    void lane.put("a", write("a", true));
    void lane.put("b", write("b"));
    expect([lane.busy("a"), lane.busy("b"), lane.busy("c")]).toEqual([true, true, false]);
    release();
    await outbox.drained();
    expect([lane.busy("a"), lane.busy("b")]).toEqual([false, false]);
  });
});
