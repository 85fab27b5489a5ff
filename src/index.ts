import type { ApplicationFunction, Probot } from "probot";
import type { AwsClients } from "./aws/clients.js";
import type { KindClients } from "./aws/kind-clients.js";
import type { TemplateStore } from "./aws/template-store.js";
import { ConfigCache } from "./config/config-cache.js";
import { Engine } from "./engine/engine.js";
import { Reconciler } from "./engine/reconciler.js";
import { StackDirectory } from "./engine/stack-directory.js";
import { appIdLookup, installationLookup } from "./github/app-identity.js";
import { Outbox } from "./github/outbox.js";
import { boundedBody, DEFAULT_MAX_BODY_BYTES } from "./http/bounded-body.js";
import { pipelineEventsRoute } from "./http/pipeline-events-route.js";
import { rootWebhooks, webhookPath } from "./http/root-webhooks.js";
import type { Runtime } from "./engine/runtime.js";
import { acknowledgePreview } from "./engine/acknowledge-preview.js";
import { answerApproval } from "./engine/approvals.js";
import type { PromotionServices } from "./engine/promotion-services.js";
import type { RetryBudget } from "./notifications/deliver.js";
import { Notifier } from "./notifications/notifier.js";
import { onCheckRunEvents } from "./webhooks/check-run-events.js";
import { onInstallationEvents } from "./webhooks/installation-events.js";
import { onRepositoryEvents } from "./webhooks/repository-events.js";
import { onPullRequestEvents } from "./webhooks/pull-request-events.js";
import { onRefEvents } from "./webhooks/ref-events.js";
import { sqsEngineQueue, startReconcileTicks, type SqsWiring } from "./queue/sqs-engine-queue.js";
import type { SqsWorkQueue } from "./queue/sqs-work-queue.js";
import type { RefJob } from "./engine/ref-job.js";
import { appWebView, webOptionsFromEnv, type WebOptions } from "./web/web-view.js";

export interface AppOptions {
  readonly aws: AwsClients;
  /** The clients each environment kind is changed with (the App's kind roles); unset, `aws` for all. */
  readonly kindAws?: KindClients;
  readonly templates?: TemplateStore;
  readonly sandbox: boolean;
  /** Deploys only with the kind's service role (real AWS, whose App policy requires one). */
  readonly requireRoles?: boolean;
  readonly concurrency: number;
  readonly debounce?: Runtime["debounce"];
  /** How long a repository's config is kept (0: read for every job). */
  readonly configCacheMs?: number;
  readonly stackWait: Runtime["stackWait"];
  readonly runPoll: Runtime["runPoll"];
  /** The shared secret EventBridge sends with pipeline events; unset disables the route. */
  readonly eventsSecret?: string;
  /** The largest webhook body read (GitHub sends at most 25 MB). */
  readonly maxWebhookBytes?: number;
  /** Periodic reconciliation; unset runs none (tests call a pass themselves). */
  readonly reconcile?: { readonly intervalMs: number; readonly reportOnly: boolean };
  /** The clock idle environments are judged by (`branches.ttl`); tests pass a fake one. */
  readonly clock?: () => Date;
  /** Called with the reconciler once the app is loaded. */
  readonly onReconciler?: (reconciler: Reconciler) => void;
  /** Called with the engine once the app is loaded: tests and the server use it to wait and to stop. */
  readonly onEngine?: (engine: Engine) => void;
  /**
   * Notification delivery. Plain http to loopback sinks is allowed in the sandbox and outside
   * NODE_ENV=production (tests), never otherwise.
   */
  readonly notifications?: {
    readonly allowLoopbackHttp?: boolean;
    readonly budget?: RetryBudget;
    readonly env?: Readonly<Record<string, string | undefined>>;
  };
  /** Called with the notifier once the app is loaded: tests and shutdown wait for deliveries with it. */
  readonly onNotifier?: (notifier: Notifier) => void;
  /** The SQS FIFO work queue (BRANCHLINE_QUEUE_URL); unset, the in-process queue. */
  readonly sqs?: SqsWiring;
  /** Called with the SQS work queue once the app is loaded: shutdown stops it. */
  readonly onWorkQueue?: (queue: SqsWorkQueue<RefJob>) => void;
  /** The web view and REST API under /branchline/; default: settings from the environment. */
  readonly web?: WebOptions;
}

/** The Probot app: wires webhooks to the engine. What happens lives in engine/ and core/. */
export function branchline(options: AppOptions): ApplicationFunction {
  return (app: Probot, { addHandler }) => {
    const notifier = new Notifier({
      log: app.log,
      allowLoopbackHttp:
        options.notifications?.allowLoopbackHttp ?? (options.sandbox || process.env.NODE_ENV !== "production"),
      ...(options.notifications?.budget ? { budget: options.notifications.budget } : {}),
      ...(options.notifications?.env ? { env: options.notifications.env } : {}),
    });
    const promotion: PromotionServices = {
      notifier,
      appId: appIdLookup(app),
      submit: (job) => engine.submit(job),
      nudge: (pipeline, executionId) =>
        engine.pipelineEvent({
          pipeline,
          executionId,
          state: "RESUMED",
          level: "action",
          stage: undefined,
          action: undefined,
        }),
      liveRuns: new Map(),
    };
    const runtime: Runtime = {
      octokitFor: (installationId) => app.auth(installationId),
      installationOf: installationLookup(app),
      aws: options.aws,
      ...(options.kindAws ? { kindAws: options.kindAws } : {}),
      ...(options.templates ? { templates: options.templates } : {}),
      log: app.log,
      sandbox: options.sandbox,
      requireRoles: options.requireRoles ?? false,
      concurrency: options.concurrency,
      ...(options.debounce ? { debounce: options.debounce } : {}),
      ...(options.configCacheMs ? { configs: new ConfigCache(options.configCacheMs) } : {}),
      stackWait: options.stackWait,
      runPoll: options.runPoll,
      promotion,
      // Replicas included: the SQS queue keeps a look's messages until the writes it queued here are
      // sent, so no replica looks at the same environment while one of them still waits.
      outbox: new Outbox({
        onError: (error, key) =>
          app.log.warn(
            { err: error, write: key },
            "a GitHub write failed; the next look at the environment reports it again",
          ),
      }),
      stacks: new StackDirectory(options.aws.cloudformation),
      submit: (job) => engine.submit(job),
      ...(options.clock ? { now: options.clock } : {}),
    };
    const sqs = options.sqs;
    let workQueue: SqsWorkQueue<RefJob> | undefined;
    const engine: Engine = new Engine(
      runtime,
      sqs
        ? (onOutcome) =>
            (workQueue = sqsEngineQueue(
              sqs,
              {
                app,
                runtime,
                engine: () => engine,
                reconciler: () => reconciler,
                reportOnly: options.reconcile?.reportOnly ?? false,
              },
              onOutcome,
            ))
        : undefined,
    );
    const submit = (job: Parameters<Engine["submit"]>[0]) => engine.submit(job);
    onRefEvents(app, submit);
    onPullRequestEvents(app, submit);
    onCheckRunEvents(
      app,
      submit,
      (click) => answerApproval(runtime, click),
      (click) => acknowledgePreview(runtime, click),
    );
    const reconciler = new Reconciler({
      runtime,
      appOctokit: () => app.auth(),
      submit,
      resume: (pipeline, executionId) => engine.resume(pipeline, executionId),
    });
    onInstallationEvents(app, reconciler, () => app.auth());
    onRepositoryEvents(app, reconciler);
    // Probot's webhook middleware reads any body whole; the server asks for it after this function.
    const middleware = app.getNodeMiddleware.bind(app);
    app.getNodeMiddleware = async (...args) =>
      rootWebhooks(
        boundedBody(await middleware(...args), options.maxWebhookBytes ?? DEFAULT_MAX_BODY_BYTES),
        webhookPath(),
      ) as Awaited<ReturnType<typeof middleware>>;
    const web = appWebView(
      {
        aws: options.aws,
        sandbox: options.sandbox,
        log: app.log,
        octokitFor: runtime.octokitFor,
        appId: promotion.appId,
        doors: { answerApproval: (click) => answerApproval(runtime, click), submit },
      },
      options.web ?? webOptionsFromEnv(),
    );
    try {
      addHandler(
        pipelineEventsRoute({
          secret: options.eventsSecret,
          log: app.log,
          onEvent: (event) => (engine.pipelineEvent(event), web.pipelineChanged(event.pipeline)),
        }),
      );
      addHandler(web.handler);
    } catch (error) {
      // Loaded without an HTTP server (tests, `probot.load` by hand): there is no route to add.
      app.log.debug({ err: error }, "no HTTP server; the pipeline events route is not served");
    }
    // On a shared queue a replica's timer only sends the interval's tick: one pass per interval between all replicas.
    if (options.reconcile && sqs) startReconcileTicks(sqs.queue, options.reconcile.intervalMs, app.log);
    else if (options.reconcile)
      reconciler.start(options.reconcile.intervalMs, { reportOnly: options.reconcile.reportOnly });
    options.onEngine?.(engine);
    if (workQueue) options.onWorkQueue?.(workQueue);
    options.onNotifier?.(notifier);
    options.onReconciler?.(reconciler);
  };
}
