import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { PipelineEvent } from "./codepipeline/events.js";
import type { EventSinkOptions, UnkindDelivery } from "./options.js";
import { seededRandom } from "./seeded-random.js";

/** One event as handed to the sink, with how its HTTP delivery went (if a URL is set). */
export interface DeliveredEvent {
  readonly event: PipelineEvent;
  delivery: "callback-only" | "pending" | { readonly status: number } | { readonly error: string };
}

/**
 * Where pipeline events go: an in-process callback and/or an HTTP endpoint, POSTed one at a
 * time in emission order, as an EventBridge rule with an API destination would.
 */
export class EventSink {
  private readonly delivered: DeliveredEvent[] = [];
  private chain: Promise<void> = Promise.resolve();
  private readonly scattered = new Set<Promise<void>>();
  private options: EventSinkOptions;
  private random: () => number = Math.random;

  constructor(
    options: EventSinkOptions = {},
    private readonly onError: (error: unknown) => void = () => {},
  ) {
    this.options = options;
    this.configure(options);
  }

  configure(options: EventSinkOptions): void {
    this.options = options;
    this.random = seededRandom(options.unkind?.seed ?? 1);
  }

  emit(event: PipelineEvent): void {
    const record: DeliveredEvent = { event, delivery: this.options.url ? "pending" : "callback-only" };
    this.delivered.push(record);
    try {
      this.options.onEvent?.(event);
    } catch (error) {
      this.onError(error);
    }
    const { url, headers, unkind } = this.options;
    if (!url) return;
    if (unkind) {
      this.scatter(record, url, headers ?? {}, JSON.stringify(event), unkind);
      return;
    }
    this.chain = this.chain.then(async () => {
      try {
        record.delivery = { status: await postJson(url, headers ?? {}, JSON.stringify(event)) };
      } catch (error) {
        record.delivery = { error: error instanceof Error ? error.message : String(error) };
      }
    });
  }

  events(): readonly DeliveredEvent[] {
    return this.delivered;
  }

  /** Resolves when every HTTP delivery so far has been attempted. */
  async drain(): Promise<void> {
    await this.chain;
    while (this.scattered.size > 0) await Promise.all([...this.scattered]);
  }

  /** POSTs one event once or twice, each copy at once or late, beside the others rather than after them. */
  private scatter(
    record: DeliveredEvent,
    url: string,
    headers: Readonly<Record<string, string>>,
    body: string,
    unkind: UnkindDelivery,
  ): void {
    const copies = this.random() < (unkind.duplicateRate ?? 0.5) ? 2 : 1;
    for (let copy = 0; copy < copies; copy++) {
      const delayMs =
        this.random() < (unkind.lateRate ?? 0.3) ? Math.floor(this.random() * (unkind.lateMs ?? 1_000)) : 0;
      const sent = (async () => {
        if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
        try {
          record.delivery = { status: await postJson(url, headers, body) };
        } catch (error) {
          record.delivery = { error: error instanceof Error ? error.message : String(error) };
        }
      })();
      this.scattered.add(sent);
      void sent.finally(() => this.scattered.delete(sent));
    }
  }
}

/**
 * POSTs one event as an EventBridge API destination would. node:http rather than fetch: request
 * interceptors in tests (nock) pass node:http through to loopback intact.
 */
function postJson(url: string, headers: Readonly<Record<string, string>>, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const send = target.protocol === "https:" ? httpsRequest : httpRequest;
    const req = send(
      target,
      {
        method: "POST",
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), ...headers },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}
