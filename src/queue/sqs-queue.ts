import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";

/** One message to send: its group (the environment) and its deduplication id (the delivery). */
export interface OutgoingMessage {
  readonly groupId: string;
  readonly deduplicationId: string;
  readonly body: string;
}

/** A message in hand: invisible to every other consumer until deleted, released or expired. */
export interface ReceivedMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly groupId: string;
  readonly body: string;
  /** 1 on the first receive; higher after a crash, a failure or an expired visibility. */
  readonly receiveCount: number;
  /** When SQS accepted the message (epoch ms, SQS's clock). */
  readonly sentMs: number;
}

/** A receipt handle SQS no longer honours: the visibility expired and another receive may hold the message. */
export class LostMessageError extends Error {
  constructor(
    readonly messageIds: readonly string[],
    detail: string,
  ) {
    super(`SQS no longer holds ${messageIds.length} message(s) for this consumer: ${detail}`);
    this.name = "LostMessageError";
  }
}

/** SQS takes at most ten entries per batch call. */
const BATCH = 10;
/** SQS's limit for one message body. */
export const MAX_BODY_BYTES = 256 * 1024;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += BATCH) out.push(items.slice(i, i + BATCH));
  return out;
}

/**
 * A thin adapter over one SQS FIFO queue: batched sends, long-polled receives, visibility changes
 * and deletes. It knows nothing of environments; the consumer and the work queue do.
 */
export class SqsQueue {
  constructor(
    private readonly client: SQSClient,
    readonly url: string,
  ) {}

  async send(messages: readonly OutgoingMessage[]): Promise<void> {
    for (const message of messages) {
      const size = Buffer.byteLength(message.body, "utf8");
      if (size > MAX_BODY_BYTES) throw new Error(`a queue message is ${size} bytes, over SQS's ${MAX_BODY_BYTES}`);
    }
    for (const batch of chunks(messages)) {
      const result = await this.client.send(
        new SendMessageBatchCommand({
          QueueUrl: this.url,
          Entries: batch.map((message, index) => ({
            Id: String(index),
            MessageBody: message.body,
            MessageGroupId: message.groupId,
            MessageDeduplicationId: message.deduplicationId,
          })),
        }),
      );
      const failed = result.Failed ?? [];
      if (failed.length > 0) {
        const first = failed[0]!;
        throw new Error(
          `SQS refused ${failed.length} of ${batch.length} messages: ${first.Code ?? "error"}: ${first.Message ?? ""}`,
        );
      }
    }
  }

  /**
   * Waits up to `waitSeconds` (long polling: an empty queue costs one call per wait) for up to
   * `max` messages, hidden from everyone else for `visibilitySeconds`. A FIFO queue hands out a
   * group's messages in order and none of a group while any of it is in flight.
   */
  async receive(
    options: { readonly max: number; readonly waitSeconds: number; readonly visibilitySeconds: number },
    signal?: AbortSignal,
  ): Promise<ReceivedMessage[]> {
    const result = await this.client.send(
      new ReceiveMessageCommand({
        QueueUrl: this.url,
        MaxNumberOfMessages: Math.min(BATCH, Math.max(1, options.max)),
        WaitTimeSeconds: options.waitSeconds,
        VisibilityTimeout: options.visibilitySeconds,
        MessageSystemAttributeNames: ["MessageGroupId", "ApproximateReceiveCount", "SentTimestamp"],
      }),
      signal ? { abortSignal: signal } : {},
    );
    return (result.Messages ?? []).map((message) => {
      if (!message.MessageId || !message.ReceiptHandle || message.Body === undefined)
        throw new Error("SQS returned a message without id, receipt handle or body");
      const groupId = message.Attributes?.MessageGroupId;
      if (!groupId)
        throw new Error(`SQS message ${message.MessageId} has no MessageGroupId: is ${this.url} a FIFO queue?`);
      return {
        messageId: message.MessageId,
        receiptHandle: message.ReceiptHandle,
        groupId,
        body: message.Body,
        receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? "1"),
        sentMs: Number(message.Attributes?.SentTimestamp ?? "0"),
      };
    });
  }

  /**
   * Sets the messages' remaining invisibility to `seconds` from now: the heartbeat while a step
   * runs (a crashed consumer stops beating and its messages come back), and the release (0, or a
   * back-off after a failure). A message SQS no longer honours throws LostMessageError.
   */
  async setVisibility(messages: readonly ReceivedMessage[], seconds: number): Promise<void> {
    const lost: string[] = [];
    let detail = "";
    for (const batch of chunks(messages)) {
      const result = await this.client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.url,
          Entries: batch.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.receiptHandle,
            VisibilityTimeout: seconds,
          })),
        }),
      );
      for (const failure of result.Failed ?? []) {
        lost.push(batch[Number(failure.Id)]?.messageId ?? failure.Id ?? "?");
        detail = `${failure.Code ?? "error"}: ${failure.Message ?? ""}`;
      }
    }
    if (lost.length > 0) throw new LostMessageError(lost, detail);
  }

  /** Messages waiting and in flight, as SQS counts them (approximately, on AWS). */
  async depth(): Promise<{ readonly visible: number; readonly inFlight: number }> {
    const result = await this.client.send(
      new GetQueueAttributesCommand({
        QueueUrl: this.url,
        AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
      }),
    );
    return {
      visible: Number(result.Attributes?.ApproximateNumberOfMessages ?? "0"),
      inFlight: Number(result.Attributes?.ApproximateNumberOfMessagesNotVisible ?? "0"),
    };
  }

  /** Deletes messages whose work is done. */
  async delete(messages: readonly ReceivedMessage[]): Promise<void> {
    const lost: string[] = [];
    let detail = "";
    for (const batch of chunks(messages)) {
      const result = await this.client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.url,
          Entries: batch.map((message, index) => ({ Id: String(index), ReceiptHandle: message.receiptHandle })),
        }),
      );
      for (const failure of result.Failed ?? []) {
        lost.push(batch[Number(failure.Id)]?.messageId ?? failure.Id ?? "?");
        detail = `${failure.Code ?? "error"}: ${failure.Message ?? ""}`;
      }
    }
    if (lost.length > 0) throw new LostMessageError(lost, detail);
  }
}
