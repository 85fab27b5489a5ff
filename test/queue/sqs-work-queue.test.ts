import { afterAll, beforeAll } from "vitest";
import { SqsQueue } from "../../src/queue/sqs-queue.js";
import { SqsWorkQueue } from "../../src/queue/sqs-work-queue.js";
import { workQueueContract } from "../engine/work-queue-contract.js";
import { startMotoSqs, type MotoSqs } from "../support/moto-sqs.js";

/** The engine's work-queue contract, over SQS FIFO (moto_server's), through the real SDK client. */
let sqs: MotoSqs;
beforeAll(async () => {
  sqs = await startMotoSqs();
});
afterAll(async () => {
  await sqs?.stop();
});

const quiet = { debug: () => undefined, warn: () => undefined, error: () => undefined };

workQueueContract(
  "SQS FIFO (moto_server)",
  async (options, { consumers }) => {
    const { url } = await sqs.fifoQueue({ visibilitySeconds: 10 });
    // Each consumer is what a worker process holds: its own SqsWorkQueue on the one queue URL.
    const [queue, ...peers] = Array.from(
      { length: consumers },
      () =>
        new SqsWorkQueue({
          ...options,
          queue: new SqsQueue(sqs.client, url),
          log: quiet,
          waitSeconds: 1,
          peekMs: 1_000,
        }),
    );
    return { queue: queue!, peers };
  },
  { distributed: true },
);
