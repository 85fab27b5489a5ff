import type { Logger } from "probot";

/** A webhook the front verified and answered, handed to the engine process as it came. */
export interface RelayedDelivery {
  readonly kind: "delivery";
  readonly id: string;
  readonly name: string;
  /** The body, parsed once by the front (which had to, to answer as Probot does). */
  readonly payload: object;
}

/** What the engine process says to the front: it has loaded the app and takes deliveries. */
export interface EngineReady {
  readonly kind: "ready";
}

/** The engine's end of the IPC channel, as a child process has it (ChildProcess, or a double). */
export interface EngineChannel {
  /** False once the channel closed (the engine process is ending). */
  readonly connected: boolean;
  send(message: RelayedDelivery): boolean;
  on(event: "message", listener: (message: unknown) => void): unknown;
}

/**
 * The IPC channel the engine process was started with carries the deliveries: cheaper for the front
 * than a loopback HTTP request each (at 500 deliveries a second that work is what an acknowledgement
 * would wait behind). Deliveries wait here, in order, until the engine says it is ready; the front
 * and the engine end together, so one still waiting when the engine dies is lost with the front, and
 * the reconcile pass finds what it would have done, as it does for a webhook GitHub never sent.
 */
export class EngineLink {
  private channel: EngineChannel | undefined;
  private readonly waiting: RelayedDelivery[] = [];

  constructor(
    private readonly log: Pick<Logger, "warn">,
    /** Deliveries kept for an engine that is not ready yet; beyond it, the newest are dropped (and logged). */
    private readonly maxWaiting = 10_000,
  ) {}

  /** The engine process's channel: deliveries go over it once the engine says it is ready. */
  attach(channel: EngineChannel): void {
    channel.on("message", (message) => {
      if ((message as Partial<EngineReady>).kind !== "ready" || this.channel) return;
      this.channel = channel;
      for (const delivery of this.waiting.splice(0)) channel.send(delivery);
    });
  }

  deliver(delivery: RelayedDelivery): void {
    if (this.channel?.connected) {
      this.channel.send(delivery);
      return;
    }
    if (this.channel) {
      this.log.warn(
        { delivery: delivery.id },
        "the engine process has ended; this webhook is dropped with the front, the reconcile pass finds what it asked for",
      );
      return;
    }
    if (this.waiting.length < this.maxWaiting) this.waiting.push(delivery);
    else
      this.log.warn(
        { delivery: delivery.id },
        "the engine process is not ready and too many webhooks wait for it; this one is dropped, the reconcile pass finds what it asked for",
      );
  }
}
