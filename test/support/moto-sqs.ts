import { randomUUID } from "node:crypto";
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { linearizedSqs } from "./linearized-sqs.js";
import { startMoto, type Moto } from "./moto.js";

/**
 * moto_server's SQS, through the real SDK client: a FIFO queue and its dead-letter queue per test.
 * SQS is reached at `url`, which takes moto's requests one at a time (./linearized-sqs.ts says why);
 * `moto` is the server itself, for its other services and its process.
 */
export interface MotoSqs {
  readonly moto: Moto;
  /** The SQS endpoint every client of the test uses (the app's AWS_ENDPOINT_URL_SQS). */
  readonly url: string;
  readonly client: SQSClient;
  /** A fresh FIFO work queue (and dead-letter queue) of unique names. */
  fifoQueue(options?: {
    readonly maxReceiveCount?: number;
    readonly visibilitySeconds?: number;
  }): Promise<{ readonly url: string; readonly deadLetterUrl: string }>;
  stop(): Promise<void>;
}

export const MOTO_CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing" } as const;

export function sqsClientFor(endpoint: string): SQSClient {
  return new SQSClient({ region: "us-east-1", endpoint, credentials: MOTO_CREDENTIALS, maxAttempts: 3 });
}

export async function startMotoSqs(): Promise<MotoSqs> {
  const moto = await startMoto();
  const sqs = await linearizedSqs(moto.url);
  const client = sqsClientFor(sqs.url);
  return {
    moto,
    url: sqs.url,
    client,
    async fifoQueue(options = {}) {
      const name = `branchline-${randomUUID().slice(0, 8)}`;
      const dlq = await client.send(
        new CreateQueueCommand({ QueueName: `${name}-dead.fifo`, Attributes: { FifoQueue: "true" } }),
      );
      const dlqArn = (
        await client.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl!, AttributeNames: ["QueueArn"] }))
      ).Attributes!.QueueArn!;
      const queue = await client.send(
        new CreateQueueCommand({
          QueueName: `${name}.fifo`,
          Attributes: {
            FifoQueue: "true",
            ContentBasedDeduplication: "true",
            VisibilityTimeout: String(options.visibilitySeconds ?? 30),
            RedrivePolicy: JSON.stringify({
              deadLetterTargetArn: dlqArn,
              maxReceiveCount: options.maxReceiveCount ?? 5,
            }),
          },
        }),
      );
      return { url: queue.QueueUrl!, deadLetterUrl: dlq.QueueUrl! };
    },
    async stop() {
      client.destroy();
      await sqs.stop();
      await moto.stop();
    },
  };
}
