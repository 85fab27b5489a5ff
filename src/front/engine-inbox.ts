import type { Logger, Probot } from "probot";
import type { EngineReady, RelayedDelivery } from "./engine-link.js";

/**
 * In the engine process: deliveries from the front (already verified there) go to the app's
 * webhook handlers, as Probot's middleware would hand them on; the front hears "ready" once the
 * app can take them. A handler's failure is logged here, where Probot's middleware would have
 * answered 500 (the front answered long before).
 */
export function takeDeliveriesFromFront(probot: Pick<Probot, "webhooks">, log: Pick<Logger, "error">): void {
  process.on("message", (message: unknown) => {
    const delivery = message as Partial<RelayedDelivery>;
    if (delivery.kind !== "delivery") return;
    const { id, name, payload } = delivery as RelayedDelivery;
    // Where Probot's middleware hands a verified delivery on (its own `receive` also logs the payload).
    probot.webhooks
      .receive({ id, name, payload } as Parameters<Probot["webhooks"]["receive"]>[0])
      .catch((error: unknown) => log.error({ err: error, delivery: id }, "a webhook handler failed"));
  });
  const ready: EngineReady = { kind: "ready" };
  process.send?.(ready);
}
