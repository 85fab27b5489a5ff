import type { ApplicationFunction, Probot } from "probot";
import type { AwsClients } from "./aws/clients.js";
import { Engine } from "./engine/engine.js";
import { httpStatus } from "./github/octokit.js";
import { pipelineEventsRoute } from "./http/pipeline-events-route.js";
import type { Runtime } from "./engine/runtime.js";
import { onCheckRunEvents } from "./webhooks/check-run-events.js";
import { onPullRequestEvents } from "./webhooks/pull-request-events.js";
import { onRefEvents } from "./webhooks/ref-events.js";

export interface AppOptions {
  readonly aws: AwsClients;
  readonly sandbox: boolean;
  readonly concurrency: number;
  readonly stackWait: Runtime["stackWait"];
  readonly runPoll: Runtime["runPoll"];
  /** The shared secret EventBridge sends with pipeline events; unset disables the route. */
  readonly eventsSecret?: string;
  /** Called with the engine once the app is loaded: tests and the server use it to wait and to stop. */
  readonly onEngine?: (engine: Engine) => void;
}

/** The Probot app: wires webhooks to the engine. What happens lives in engine/ and core/. */
export function branchline(options: AppOptions): ApplicationFunction {
  return (app: Probot, { addHandler }) => {
    const engine = new Engine({
      octokitFor: (installationId) => app.auth(installationId),
      installationOf: async (repo) => {
        const octokit = await app.auth();
        try {
          return (await octokit.rest.apps.getRepoInstallation({ owner: repo.owner, repo: repo.name })).data.id;
        } catch (error) {
          if (httpStatus(error) === 404) return null;
          throw error;
        }
      },
      aws: options.aws,
      log: app.log,
      sandbox: options.sandbox,
      concurrency: options.concurrency,
      stackWait: options.stackWait,
      runPoll: options.runPoll,
    });
    const submit = (job: Parameters<Engine["submit"]>[0]) => engine.submit(job);
    onRefEvents(app, submit);
    onPullRequestEvents(app, submit);
    onCheckRunEvents(app, submit);
    addHandler(pipelineEventsRoute({ secret: options.eventsSecret, log: app.log, onEvent: (event) => engine.pipelineEvent(event) }));
    options.onEngine?.(engine);
  };
}
