import type { Probot } from "probot";
import type { Engine } from "../engine/engine.js";
import type { Reconciler } from "../engine/reconciler.js";
import type { RefJob } from "../engine/ref-job.js";
import type { Runtime } from "../engine/runtime.js";
import type { OutcomeListener } from "../engine/work-queue.js";
import { handleForeign } from "./foreign-messages.js";
import { reconcileTick } from "./reconcile-tick.js";
import type { SqsQueue } from "./sqs-queue.js";
import { SqsWorkQueue } from "./sqs-work-queue.js";

/** What the app needs to work from an SQS FIFO queue (BRANCHLINE_QUEUE_URL). */
export interface SqsWiring {
  readonly queue: SqsQueue;
  readonly visibilitySeconds: number;
  /** Long-polling wait per receive (20 s, SQS's most, unless a test wants shorter). */
  readonly waitSeconds?: number;
}

export interface EngineQueueParts {
  readonly app: Probot;
  readonly runtime: Runtime;
  readonly engine: () => Engine;
  readonly reconciler: () => Reconciler;
  readonly reportOnly: boolean;
}

/**
 * The engine's queue on SQS, wired to the app: looks of environment keys, and the queue's other
 * messages (forwarded webhooks, EventBridge's pipeline and stack events, reconcile ticks) handed to
 * the app, the engine and the reconciler. A forwarded webhook is deleted only once the looks it
 * caused are on the queue.
 */
export function sqsEngineQueue(
  wiring: SqsWiring,
  parts: EngineQueueParts,
  onOutcome: OutcomeListener<RefJob>,
): SqsWorkQueue<RefJob> {
  const { app, runtime } = parts;
  const queue: SqsWorkQueue<RefJob> = new SqsWorkQueue<RefJob>({
    queue: wiring.queue,
    log: app.log,
    concurrency: runtime.concurrency,
    ...(runtime.debounce ? { debounce: runtime.debounce } : {}),
    // As in-process: a failed look is not retried by the queue; the next reconcile pass looks again.
    maxAttempts: 1,
    visibilitySeconds: wiring.visibilitySeconds,
    ...(wiring.waitSeconds ? { waitSeconds: wiring.waitSeconds } : {}),
    // A redelivered webhook makes the same job; a rollback or a button press of the same delivery is another cause.
    causeId: (job) => `${job.deliveryId}:${job.cause.kind}:${job.event.kind}`,
    onOutcome,
    foreign: (body) =>
      handleForeign(body, {
        log: app.log,
        webhook: async (webhook) => {
          await app.receive({ id: webhook.id, name: webhook.name, payload: webhook.payload } as Parameters<
            Probot["receive"]
          >[0]);
          await queue.flushed();
        },
        pipelineEvent: (event) => parts.engine().pipelineEvent(event),
        reconcile: async (tick) => {
          const summary = await parts.reconciler().pass({ reportOnly: parts.reportOnly });
          app.log.info(
            { tick, repositories: summary.repositories, actions: summary.actions, errors: summary.errors },
            "reconcile pass (scheduled)",
          );
        },
      }),
  });
  return queue;
}

/**
 * A server replica's reconcile timer on a shared queue: it sends the interval's tick instead of
 * running a pass, so replicas' timers make one pass per interval between them (the tick is the
 * deduplication id), on whichever worker takes it.
 */
export function startReconcileTicks(queue: SqsQueue, intervalMs: number, log: Probot["log"]): () => void {
  const send = () =>
    queue
      .send([reconcileTick(Date.now(), intervalMs)])
      .catch((error: unknown) => log.warn({ err: error }, "could not send the reconcile tick; the next one will"));
  void send();
  const timer = setInterval(send, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
