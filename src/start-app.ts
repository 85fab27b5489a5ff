import { randomBytes } from "node:crypto";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import { createProbot, run, type Logger, type Probot } from "probot";
import { createAwsClients, type AwsClients } from "./aws/clients.js";
import { kindClients, type KindClients } from "./aws/kind-clients.js";
import { templateStore, type TemplateStore } from "./aws/template-store.js";
import { startEmulator, timingPresets } from "@branchline/aws-emulator";
import { SECRET_HEADER, PIPELINE_EVENTS_PATH } from "./http/pipeline-events-route.js";
import { branchline } from "./index.js";
import { serveSetupWithSandbox } from "./sandbox-setup.js";
import { takeDeliveriesFromFront } from "./front/engine-inbox.js";
import { serveBehindFront, workBelowFront } from "./front/engine-process.js";
import { receiverApp } from "./queue/receiver-app.js";
import type { SqsWiring } from "./queue/sqs-engine-queue.js";
import { SqsQueue } from "./queue/sqs-queue.js";
import type { SqsWorkQueue } from "./queue/sqs-work-queue.js";
import type { RefJob } from "./engine/ref-job.js";
import { fileClock } from "./test-clock.js";
import { appConfigured, enginePacing, type AwsMode, type Settings } from "./settings.js";

const SANDBOX_TEMPLATE_BUCKET = "branchline-sandbox-templates";

interface AwsWiring {
  readonly aws: AwsClients;
  readonly kindAws?: KindClients;
  readonly templates: TemplateStore | undefined;
  readonly eventsSecret: string | undefined;
}

/**
 * The whole app in this process: Probot's server with branchline loaded (its engine included), a
 * receiver or a worker, as the settings say. Without a GitHub App, Probot's set-up page registers
 * one from app.yml; without AWS configuration, the loopback emulator runs in-process as a sandbox.
 */
export async function startApp(settings: Settings, log: Logger): Promise<void> {
  const sqs = sqsWiring(settings);
  // BRANCHLINE_ROLE=receiver: verify, enqueue, answer; the workers do the rest (readSettings made sure a queue is set).
  if (settings.role === "receiver" && sqs) {
    await run(receiverApp(sqs.queue), { log });
    return;
  }
  const wiring = settings.aws.kind === "sandbox" ? await sandbox(settings) : realAws(settings, settings.aws);
  if (settings.aws.kind === "sandbox" && !appConfigured()) {
    await serveSetupWithSandbox(wiring.aws, wiring.eventsSecret, log);
    return;
  }
  const app = branchline({
    aws: wiring.aws,
    ...(wiring.kindAws ? { kindAws: wiring.kindAws } : {}),
    ...(wiring.templates ? { templates: wiring.templates } : {}),
    sandbox: settings.aws.kind === "sandbox",
    // AWS itself (no endpoint override): its App policy allows stack operations only with a service role.
    requireRoles: settings.aws.kind === "aws" && settings.aws.endpoint === undefined,
    ...enginePacing(settings),
    eventsSecret: wiring.eventsSecret,
    ...(settings.reconcileMinutes > 0
      ? { reconcile: { intervalMs: settings.reconcileMinutes * 60_000, reportOnly: settings.reconcileReportOnly } }
      : {}),
    // Test only (refused in production by readSettings): process tests age environments with it.
    ...(settings.testClockFile ? { clock: fileClock(settings.testClockFile) } : {}),
    ...(sqs ? { sqs, onWorkQueue: (queue: SqsWorkQueue<RefJob>) => stopOnSignal(queue, log) } : {}),
  });
  if (settings.role === "worker") {
    // A worker serves no HTTP: it takes looks (and forwarded webhooks, events, ticks) from the queue.
    const probot = createProbot({ defaults: { log } });
    await probot.load(app);
    log.info({ queue: sqs?.queue.url }, "branchline worker: taking work from the queue");
    return;
  }
  if (settings.engine.kind !== "engine-child") {
    await run(app, { log });
    return;
  }
  // Behind a front: webhooks come over the IPC channel, verified and answered there.
  let probot: Probot | undefined;
  await run(
    (loaded, options) => {
      probot = loaded;
      return app(loaded, options);
    },
    { log, env: serveBehindFront(settings.engine) },
  );
  takeDeliveriesFromFront(probot!, log);
  workBelowFront(settings.engine, log);
}

function sqsWiring(settings: Settings): SqsWiring | undefined {
  if (settings.queue.kind !== "sqs") return undefined;
  const { url, endpoint, visibilitySeconds } = settings.queue;
  const client = new SQSClient({
    region: settings.aws.region,
    maxAttempts: 8,
    retryMode: "adaptive",
    ...(endpoint ? { endpoint } : {}),
  });
  return { queue: new SqsQueue(client, url), visibilitySeconds };
}

/** SIGTERM (ECS stops a task so): finish the looks in hand, hand back nothing half-done, then exit. */
function stopOnSignal(queue: SqsWorkQueue<RefJob>, log: Logger): void {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
      log.info({ signal }, "stopping: finishing the looks in hand");
      queue.stop().then(
        () => process.exit(0),
        (error: unknown) => {
          log.error({ err: error }, "stopping failed");
          process.exit(1);
        },
      );
    });
  }
}

function realAws(settings: Settings, mode: Extract<AwsMode, { kind: "aws" }>): AwsWiring {
  const { region, endpoint } = mode;
  const clients = { region, ...(endpoint ? { endpoint } : {}) };
  const aws = createAwsClients(clients);
  if (!settings.appKindRoles && !endpoint) {
    console.warn(
      "branchline: BRANCHLINE_APP_BRANCH_ROLE_ARN, _STAGING_ and _PRODUCTION_ are not set, so every kind is changed with the process's own credentials; templates/branchline-iam.yml's AppPolicy only reads and assumes the kind roles (its App*RoleArn outputs): set all three.",
    );
  }
  return {
    aws,
    // Each kind's steps with its own App role (templates/branchline-iam.yml), when the operator names them.
    ...(settings.appKindRoles ? { kindAws: kindClients(clients, aws, settings.appKindRoles) } : {}),
    templates: settings.templateBucket ? templateStore(settings.templateBucket, region, endpoint) : undefined,
    eventsSecret: settings.eventsSecret,
  };
}

/**
 * The emulator in-process, wired as a real account would be: pipeline events reach the app's own
 * events route with a shared secret, and large templates go through an emulated bucket.
 */
async function sandbox(settings: Settings): Promise<AwsWiring> {
  const eventsSecret = settings.eventsSecret ?? randomBytes(24).toString("hex");
  const port = Number(process.env.PORT ?? 3000);
  const host = process.env.HOST ?? "localhost";
  const emulator = await startEmulator({
    region: settings.aws.region,
    timing: timingPresets.sandbox,
    eventSink: { url: `http://${host}:${port}${PIPELINE_EVENTS_PATH}`, headers: { [SECRET_HEADER]: eventsSecret } },
  });
  console.warn(
    `branchline: no AWS configuration found, so AWS is emulated in-process at ${emulator.url} (sandbox). Nothing is deployed to an AWS account.`,
  );
  const aws = createAwsClients({
    region: emulator.region,
    endpoint: emulator.url,
    credentials: { accessKeyId: "sandbox", secretAccessKey: "sandbox" },
  });
  await aws.s3.send(new CreateBucketCommand({ Bucket: SANDBOX_TEMPLATE_BUCKET }));
  return { aws, templates: templateStore(SANDBOX_TEMPLATE_BUCKET, emulator.region, emulator.url), eventsSecret };
}
