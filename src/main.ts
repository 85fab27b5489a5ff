import { randomBytes } from "node:crypto";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { run } from "probot";
import { createAwsClients, type AwsClients } from "./aws/clients.js";
import { templateStore, type TemplateStore } from "./aws/template-store.js";
import { startEmulator, timingPresets } from "./emulator/index.js";
import { SECRET_HEADER, PIPELINE_EVENTS_PATH } from "./http/pipeline-events-route.js";
import { branchline } from "./index.js";
import { appConfigured, serveSetupWithSandbox } from "./sandbox-setup.js";
import { loadEnvFile } from "./env-file.js";
import { createLog } from "./log.js";
import { enginePacing, readSettings, SettingsError, type AwsMode, type Settings } from "./settings.js";

const SANDBOX_TEMPLATE_BUCKET = "branchline-sandbox-templates";

interface AwsWiring {
  readonly aws: AwsClients;
  readonly templates: TemplateStore | undefined;
  readonly eventsSecret: string | undefined;
}

/**
 * `npm start`: the Probot server. Without a GitHub App, Probot's set-up page registers one from
 * app.yml; without AWS configuration, the loopback emulator runs in-process as a sandbox.
 */
async function main(): Promise<void> {
  // Before any setting is read: `.env` (written by Probot's set-up flow, or by hand) is a source
  // like the environment itself, and Probot applies it the same way when `run` starts.
  loadEnvFile();
  const settings = readSettings();
  const wiring = settings.aws.kind === "sandbox" ? await sandbox(settings) : realAws(settings, settings.aws);
  if (settings.aws.kind === "sandbox" && !appConfigured()) {
    await serveSetupWithSandbox(wiring.aws, wiring.eventsSecret, await createLog());
    return;
  }
  await run(
    branchline({
      aws: wiring.aws,
      ...(wiring.templates ? { templates: wiring.templates } : {}),
      sandbox: settings.aws.kind === "sandbox",
      // AWS itself (no endpoint override): its App policy allows stack operations only with a service role.
      requireRoles: settings.aws.kind === "aws" && settings.aws.endpoint === undefined,
      ...enginePacing(settings),
      eventsSecret: wiring.eventsSecret,
      ...(settings.reconcileMinutes > 0
        ? { reconcile: { intervalMs: settings.reconcileMinutes * 60_000, reportOnly: settings.reconcileReportOnly } }
        : {}),
    }),
    { log: await createLog() },
  );
}

function realAws(settings: Settings, mode: Extract<AwsMode, { kind: "aws" }>): AwsWiring {
  const { region, endpoint } = mode;
  return {
    aws: createAwsClients({ region, ...(endpoint ? { endpoint } : {}) }),
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
  console.warn(`branchline: no AWS configuration found, so AWS is emulated in-process at ${emulator.url} (sandbox). Nothing is deployed to an AWS account.`);
  const aws = createAwsClients({
    region: emulator.region,
    endpoint: emulator.url,
    credentials: { accessKeyId: "sandbox", secretAccessKey: "sandbox" },
  });
  await aws.s3.send(new CreateBucketCommand({ Bucket: SANDBOX_TEMPLATE_BUCKET }));
  return { aws, templates: templateStore(SANDBOX_TEMPLATE_BUCKET, emulator.region, emulator.url), eventsSecret };
}

main().catch((error: unknown) => {
  console.error(error instanceof SettingsError ? `branchline: ${error.message}` : error);
  process.exit(1);
});
