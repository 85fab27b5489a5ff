import type { ConsumerLog } from "./sqs-consumer.js";
import { LostMessageError, type ReceivedMessage, type SqsQueue } from "./sqs-queue.js";

export interface KeepInFlightOptions {
  /** The look's key, for the log. */
  readonly key: string;
  readonly visibilitySeconds: number;
  readonly heartbeatMs: number;
  readonly log: Pick<ConsumerLog, "warn">;
}

/**
 * A look is done, but the GitHub writes it queued still wait in this process's outbox, paced as
 * GitHub asks. Its messages stay in flight (a heartbeat of their own, outside the consumer's bound,
 * so the next key's AWS work does not wait for GitHub) and are deleted once `settled`. SQS hands no
 * other message of their group to anyone meanwhile: the next look at the environment, on any
 * replica, starts after those writes, so none of them can land over what it shows. A process that
 * dies first loses the writes and its messages return: the look is made again and reports again.
 * Never rejects.
 */
export async function keepInFlight(
  queue: Pick<SqsQueue, "setVisibility" | "delete">,
  messages: readonly ReceivedMessage[],
  settled: Promise<void>,
  options: KeepInFlightOptions,
): Promise<void> {
  const { key, log } = options;
  let lost = false;
  const keep = () =>
    queue.setVisibility(messages, options.visibilitySeconds).catch((error: unknown) => {
      // Another consumer holds them now (a beat came too late): beating on would only fail again.
      if (error instanceof LostMessageError) lost = true;
      log.warn({ err: error, key }, "could not keep a look's messages while its writes wait");
    });
  // At once: the consumer's own heartbeat for them stopped when the look returned.
  let beating = keep();
  const beat = setInterval(() => {
    if (lost) clearInterval(beat);
    else beating = keep();
  }, options.heartbeatMs);
  try {
    await settled;
  } finally {
    clearInterval(beat);
  }
  await beating;
  if (lost) return;
  await queue
    .delete(messages)
    .catch((error: unknown) =>
      log.warn(
        { err: error, key },
        "could not delete a look's messages after its writes; the look is made again, which repeats nothing",
      ),
    );
}
