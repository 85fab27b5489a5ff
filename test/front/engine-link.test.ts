import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { EngineLink, type RelayedDelivery } from "../../src/front/engine-link.js";

/** The engine process's end of the IPC channel, as the front sees it: what was sent, and a way to say "ready". */
class FakeChannel extends EventEmitter {
  readonly sent: RelayedDelivery[] = [];
  connected = true;
  send(message: RelayedDelivery): boolean {
    this.sent.push(message);
    return true;
  }
}

const delivery = (id: string): RelayedDelivery => ({ kind: "delivery", id, name: "push", payload: { id } });

describe("the engine link: deliveries wait, in order, until the engine says it is ready", () => {
  it("keeps what arrives before the engine is started or ready, then sends it in order, and the rest at once", () => {
    const warnings: unknown[] = [];
    const link = new EngineLink({ warn: (...args: unknown[]) => warnings.push(args) } as never);
    link.deliver(delivery("before-start"));
    const channel = new FakeChannel();
    link.attach(channel);
    link.deliver(delivery("while-loading"));
    channel.emit("message", { kind: "something else" });
    expect(channel.sent).toEqual([]);

    channel.emit("message", { kind: "ready" });
    expect(channel.sent.map((d) => d.id)).toEqual(["before-start", "while-loading"]);
    link.deliver(delivery("after"));
    channel.emit("message", { kind: "ready" });
    expect(channel.sent.map((d) => d.id)).toEqual(["before-start", "while-loading", "after"]);
    expect(warnings).toEqual([]);
  });

  it("keeps no more than its bound for an engine that never gets ready, and says what it dropped", () => {
    const warnings: unknown[][] = [];
    const link = new EngineLink({ warn: (...args: unknown[]) => warnings.push(args) } as never, 2);
    const channel = new FakeChannel();
    link.attach(channel);
    for (const id of ["1", "2", "3"]) link.deliver(delivery(id));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]![0]).toEqual({ delivery: "3" });
    channel.emit("message", { kind: "ready" });
    expect(channel.sent.map((d) => d.id)).toEqual(["1", "2"]);
  });

  it("sends nothing over a channel that has closed, and says what it dropped", () => {
    const warnings: unknown[][] = [];
    const link = new EngineLink({ warn: (...args: unknown[]) => warnings.push(args) } as never);
    const channel = new FakeChannel();
    link.attach(channel);
    channel.emit("message", { kind: "ready" });
    channel.connected = false;
    link.deliver(delivery("late"));
    expect(channel.sent).toEqual([]);
    expect(warnings.map((w) => w[0])).toEqual([{ delivery: "late" }]);
  });
});
