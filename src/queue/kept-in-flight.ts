import type { ConsumerLog } from "./sqs-consumer.js";
import { LostMessageError, type ReceivedMessage, type SqsQueue } from "./sqs-queue.js";

export interface KeepInFlightOptions {
  /** The look's key, for the log. */
  readonly key: string;
  readonly visibilitySeconds: number;
  readonly heartbeatMs: number;
  /**
   * The longest the messages are kept for writes that have not settled (a GitHub request that
   * hangs would otherwise hold the environment, and every one behind it in the lane, for good).
   */
  readonly maxHoldMs: number;
  /** Aborted when the process stops: the messages go back at once rather than after their visibility. */
  readonly release: AbortSignal;
  readonly log: Pick<ConsumerLog, "warn" | "error">;
}

/**
 * A look is done, but the GitHub writes it queued still wait in this process's outbox, paced as
 * GitHub asks. Its messages stay in flight (a heartbeat of their own, outside the consumer's bound,
 * so the next key's AWS work does not wait for GitHub) and are deleted once `settled` (each write
 * sent or failed). SQS hands no other message of their group to anyone meanwhile: the next look at
 * the environment, on any replica, starts after those writes, so none of them can land over what
 * it shows. Past `maxHoldMs`, or when the process stops, they are handed back instead: the look is
 * made again at once (looks repeat nothing), and a write still waiting here may then land after it,
 * which is why that is logged as an error. A process that dies first loses the writes and its
 * messages return after their visibility. Never rejects.
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
  const givenUp = AbortSignal.any([options.release, AbortSignal.timeout(options.maxHoldMs)]);
  const ended = await Promise.race([
    settled.then(() => "settled" as const),
    new Promise<"given up">((resolve) => {
      if (givenUp.aborted) resolve("given up");
      else givenUp.addEventListener("abort", () => resolve("given up"), { once: true });
    }),
  ]);
  clearInterval(beat);
  await beating;
  if (lost) return;
  if (ended === "given up") {
    if (!options.release.aborted)
      log.error(
        { key, maxHoldMs: options.maxHoldMs },
        "a look's GitHub writes did not settle in time; its messages are handed back, and a write still waiting may land after the next look",
      );
    await queue
      .setVisibility(messages, 0)
      .catch((error: unknown) =>
        log.warn(
          { err: error, key },
          "could not hand back a look's messages; they return when their visibility expires",
        ),
      );
    return;
  }
  await queue
    .delete(messages)
    .catch((error: unknown) =>
      log.warn(
        { err: error, key },
        "could not delete a look's messages after its writes; the look is made again, which repeats nothing",
      ),
    );
}
