import type { ApplicationFunction, Probot } from "probot";
import type { AwsClients } from "./aws/clients.js";
import type { TemplateStore } from "./aws/template-store.js";
import { Engine } from "./engine/engine.js";
import { Reconciler } from "./engine/reconciler.js";
import { httpStatus } from "./github/octokit.js";
import { boundedBody, DEFAULT_MAX_BODY_BYTES } from "./http/bounded-body.js";
import { pipelineEventsRoute } from "./http/pipeline-events-route.js";
import type { Runtime } from "./engine/runtime.js";
import { onCheckRunEvents } from "./webhooks/check-run-events.js";
import { onPullRequestEvents } from "./webhooks/pull-request-events.js";
import { onRefEvents } from "./webhooks/ref-events.js";

export interface AppOptions {
  readonly aws: AwsClients;
  readonly templates?: TemplateStore;
  readonly sandbox: boolean;
  readonly concurrency: number;
  readonly stackWait: Runtime["stackWait"];
  readonly runPoll: Runtime["runPoll"];
  /** The shared secret EventBridge sends with pipeline events; unset disables the route. */
  readonly eventsSecret?: string;
  /** The largest webhook body read (GitHub sends at most 25 MB). */
  readonly maxWebhookBytes?: number;
  /** Periodic reconciliation; unset runs none (tests call a pass themselves). */
  readonly reconcile?: { readonly intervalMs: number; readonly reportOnly: boolean };
  /** Called with the reconciler once the app is loaded. */
  readonly onReconciler?: (reconciler: Reconciler) => void;
  /** Called with the engine once the app is loaded: tests and the server use it to wait and to stop. */
  readonly onEngine?: (engine: Engine) => void;
}

/** The Probot app: wires webhooks to the engine. What happens lives in engine/ and core/. */
export function branchline(options: AppOptions): ApplicationFunction {
  return (app: Probot, { addHandler }) => {
    const runtime: Runtime = {
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
      ...(options.templates ? { templates: options.templates } : {}),
      log: app.log,
      sandbox: options.sandbox,
      concurrency: options.concurrency,
      stackWait: options.stackWait,
      runPoll: options.runPoll,
    };
    const engine = new Engine(runtime);
    const submit = (job: Parameters<Engine["submit"]>[0]) => engine.submit(job);
    onRefEvents(app, submit);
    onPullRequestEvents(app, submit);
    onCheckRunEvents(app, submit);
    // Probot's webhook middleware reads any body whole; the server asks for it after this function.
    const middleware = app.getNodeMiddleware.bind(app);
    app.getNodeMiddleware = async (...args) => boundedBody(await middleware(...args), options.maxWebhookBytes ?? DEFAULT_MAX_BODY_BYTES) as Awaited<ReturnType<typeof middleware>>;
    addHandler(pipelineEventsRoute({ secret: options.eventsSecret, log: app.log, onEvent: (event) => engine.pipelineEvent(event) }));
    const reconciler = new Reconciler({
      runtime,
      appOctokit: () => app.auth(),
      submit,
      resume: (pipeline, executionId) => engine.resume(pipeline, executionId),
    });
    if (options.reconcile) reconciler.start(options.reconcile.intervalMs, { reportOnly: options.reconcile.reportOnly });
    options.onEngine?.(engine);
    options.onReconciler?.(reconciler);
  };
}
