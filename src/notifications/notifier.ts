import { randomUUID } from "node:crypto";
import type { Logger } from "probot";
import type { SinkConfig } from "../config/schema.js";
import {
  deliver,
  deliveryDeps,
  DEFAULT_RETRY_BUDGET,
  type DeliveryDeps,
  type DeliveryResult,
  type RetryBudget,
} from "./deliver.js";
import { slackBody, webhookBody, type NotificationEvent } from "./events.js";
import { SIGNATURE_HEADER, sign } from "./signature.js";
import { sinkVariableProblem } from "../core/sink-env.js";
import { sinkUrlProblem } from "../core/sink-url.js";

export interface NotifierOptions {
  readonly log: Logger;
  /** Plain http to loopback sinks: tests and the sandbox, never production. */
  readonly allowLoopbackHttp: boolean;
  /** Where `urlEnv` and `secretEnv` are looked up; the process environment by default. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly budget?: RetryBudget;
  readonly deps?: DeliveryDeps;
}

export interface SinkOutcome {
  readonly sink: string;
  readonly event: NotificationEvent["event"];
  readonly result: DeliveryResult;
}

/**
 * Sends run events to the repository's sinks. `notify` returns at once: delivery happens beside the
 * lanes and the run followers, with its own retry budget, so a slow or failing sink never holds up
 * or fails a pipeline. Failures are logged, never thrown.
 */
export class Notifier {
  private readonly pending = new Set<Promise<void>>();
  /** The last outcomes, newest last (bounded): for operators and tests. */
  readonly outcomes: SinkOutcome[] = [];

  constructor(private readonly options: NotifierOptions) {}

  notify(sinks: readonly SinkConfig[], event: NotificationEvent): void {
    sinks.forEach((sink, index) => {
      if (sink.events && !sink.events.includes(event.event)) return;
      if (sink.environments && !sink.environments.includes(event.environment.kind)) return;
      const name = sink.name ?? `${sink.type}#${index + 1}`;
      const work = this.send(sink, name, event)
        .catch((error: unknown) => {
          this.options.log.error({ err: error, sink: name, event: event.event }, "notification could not be sent");
        })
        .finally(() => this.pending.delete(work));
      this.pending.add(work);
    });
  }

  /** Resolves when every notification so far has been delivered or given up: for tests and shutdown. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private async send(sink: SinkConfig, name: string, event: NotificationEvent): Promise<void> {
    const env = this.options.env ?? process.env;
    const log = this.options.log.child({ sink: name, event: event.event, repository: event.repository });
    // The config is checked too, but this is where a variable is read: the App's secrets never are.
    const owner = event.repository.split("/")[0] ?? "";
    const variables = [sink.type === "slack" ? sink.urlEnv : sink.secretEnv].filter(
      (v): v is string => v !== undefined,
    );
    const refused = variables.map((v) => sinkVariableProblem(v, owner)).find((p) => p !== null);
    if (refused) {
      log.error({ problem: refused }, "notification sink refused");
      return;
    }
    const url = sink.type === "slack" && sink.urlEnv ? env[sink.urlEnv] : sink.url;
    if (!url) {
      log.error(
        { variable: sink.type === "slack" ? sink.urlEnv : undefined },
        "notification sink has no URL: its environment variable is not set",
      );
      return;
    }
    const problem = sinkUrlProblem(url, { allowLoopbackHttp: this.options.allowLoopbackHttp });
    if (problem) {
      log.error({ problem }, "notification sink refused");
      return;
    }
    const deliveryId = randomUUID();
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "user-agent": "branchline-notifications",
    };
    let body: string;
    if (sink.type === "slack") {
      body = JSON.stringify(slackBody(event));
    } else {
      const secret = env[sink.secretEnv];
      if (!secret) {
        log.error({ variable: sink.secretEnv }, "webhook sink not called: its secret environment variable is not set");
        return;
      }
      body = JSON.stringify(webhookBody(event, deliveryId));
      headers["x-branchline-event"] = event.event;
      headers["x-branchline-delivery"] = deliveryId;
      headers[SIGNATURE_HEADER] = sign(body, secret);
    }
    const result = await deliver(
      { url, headers, body },
      this.options.budget ?? DEFAULT_RETRY_BUDGET,
      this.options.deps ?? deliveryDeps({ allowLoopback: this.options.allowLoopbackHttp }),
    );
    this.outcomes.push({ sink: name, event: event.event, result });
    if (this.outcomes.length > 100) this.outcomes.shift();
    // The URL may hold a credential (Slack's does): log the host only.
    const host = URL.canParse(url) ? new URL(url).host : "?";
    if (result.ok) log.info({ host, attempts: result.attempts }, "notification delivered");
    else
      log.warn(
        { host, attempts: result.attempts, status: result.status, error: result.error },
        "notification not delivered; gave up",
      );
  }
}
