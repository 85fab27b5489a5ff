import type { ApplicationFunction, Probot } from "probot";
import type { AwsClients } from "./aws/clients.js";
import { Engine } from "./engine/engine.js";
import type { Runtime } from "./engine/runtime.js";
import { onRefEvents } from "./webhooks/ref-events.js";

export interface AppOptions {
  readonly aws: AwsClients;
  readonly sandbox: boolean;
  readonly concurrency: number;
  readonly stackWait: Runtime["stackWait"];
  readonly runPoll: Runtime["runPoll"];
  /** Called with the engine once the app is loaded: tests and the server use it to wait and to stop. */
  readonly onEngine?: (engine: Engine) => void;
}

/** The Probot app: wires webhooks to the engine. What happens lives in engine/ and core/. */
export function branchline(options: AppOptions): ApplicationFunction {
  return (app: Probot) => {
    const engine = new Engine({
      octokitFor: (installationId) => app.auth(installationId),
      aws: options.aws,
      log: app.log,
      sandbox: options.sandbox,
      concurrency: options.concurrency,
      stackWait: options.stackWait,
      runPoll: options.runPoll,
    });
    onRefEvents(app, (job) => engine.submit(job));
    options.onEngine?.(engine);
  };
}
