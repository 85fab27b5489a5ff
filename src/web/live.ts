import { createHash } from "node:crypto";
import type { ServerResponse } from "node:http";
import { securityHeaders } from "./http.js";

export interface Snapshot {
  readonly fingerprint: string;
  /** The view will not change any more (a finished run): subscribers are told, and let go. */
  readonly finished: boolean;
}

export function fingerprint(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(value)).digest("base64url");
}

interface Channel {
  readonly subscribers: Set<ServerResponse>;
  readonly compute: () => Promise<Snapshot>;
  last: string | undefined;
  timer: NodeJS.Timeout | undefined;
  running: boolean;
}

/**
 * Server-sent events for the pages: one channel per view (whoever watches it), looked at every
 * `intervalMs` while anyone watches, and an `update` sent when the view's data changed. A view is
 * computed once per tick however many people watch, so watchers cost no more reads than one.
 */
export class LiveHub {
  private readonly channels = new Map<string, Channel>();

  constructor(private readonly intervalMs: number) {}

  subscribe(key: string, compute: () => Promise<Snapshot>, res: ServerResponse): void {
    res.writeHead(200, {
      ...securityHeaders(),
      "content-type": "text/event-stream; charset=utf-8",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    res.write(`retry: ${Math.max(1000, this.intervalMs)}\n\n`);
    let channel = this.channels.get(key);
    if (!channel) {
      channel = { subscribers: new Set(), compute, last: undefined, timer: undefined, running: false };
      this.channels.set(key, channel);
      this.schedule(key, channel, 0);
    }
    channel.subscribers.add(res);
    res.on("close", () => {
      channel.subscribers.delete(res);
      if (channel.subscribers.size === 0) this.drop(key, channel);
    });
  }

  close(): void {
    for (const [key, channel] of this.channels) {
      for (const res of channel.subscribers) res.end();
      this.drop(key, channel);
    }
  }

  get watching(): number {
    return [...this.channels.values()].reduce((n, c) => n + c.subscribers.size, 0);
  }

  private schedule(key: string, channel: Channel, delay: number): void {
    channel.timer = setTimeout(() => void this.tick(key, channel), delay);
    channel.timer.unref();
  }

  private async tick(key: string, channel: Channel): Promise<void> {
    if (this.channels.get(key) !== channel) return;
    let snapshot: Snapshot | undefined;
    try {
      snapshot = await channel.compute();
    } catch {
      // A failed look (AWS or GitHub briefly unavailable) is retried on the next tick.
      this.send(channel, ": retrying\n\n");
    }
    if (this.channels.get(key) !== channel) return;
    if (snapshot) {
      const changed = channel.last !== undefined && channel.last !== snapshot.fingerprint;
      channel.last = snapshot.fingerprint;
      if (changed) this.send(channel, `event: update\ndata: ${JSON.stringify({ at: new Date().toISOString() })}\n\n`);
      else this.send(channel, ": unchanged\n\n");
      if (snapshot.finished) {
        this.send(channel, "event: end\ndata: {}\n\n");
        for (const res of channel.subscribers) res.end();
        this.drop(key, channel);
        return;
      }
    }
    this.schedule(key, channel, this.intervalMs);
  }

  private send(channel: Channel, text: string): void {
    for (const res of channel.subscribers) res.write(text);
  }

  private drop(key: string, channel: Channel): void {
    if (channel.timer) clearTimeout(channel.timer);
    if (this.channels.get(key) === channel) this.channels.delete(key);
  }
}
