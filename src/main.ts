import { run } from "probot";
import { createAwsClients } from "./aws/clients.js";
import { startEmulator, timingPresets } from "./emulator/index.js";
import { branchline } from "./index.js";
import { readSettings, SettingsError } from "./settings.js";

/**
 * `npm start`: the Probot server. Without a GitHub App, Probot's set-up page registers one from
 * app.yml; without AWS configuration, the loopback emulator runs in-process as a sandbox.
 */
async function main(): Promise<void> {
  const settings = readSettings();
  let aws;
  if (settings.aws.kind === "sandbox") {
    const emulator = await startEmulator({ region: settings.aws.region, timing: timingPresets.sandbox });
    console.warn(`branchline: no AWS configuration found, so AWS is emulated in-process at ${emulator.url} (sandbox). Nothing is deployed to an AWS account.`);
    aws = createAwsClients({
      region: emulator.region,
      endpoint: emulator.url,
      credentials: { accessKeyId: "sandbox", secretAccessKey: "sandbox" },
    });
  } else {
    aws = createAwsClients({ region: settings.aws.region, ...(settings.aws.endpoint ? { endpoint: settings.aws.endpoint } : {}) });
  }
  await run(
    branchline({
      aws,
      sandbox: settings.aws.kind === "sandbox",
      concurrency: settings.concurrency,
      stackWait: { maxWaitSeconds: settings.stackWaitMaxSeconds, minDelaySeconds: settings.aws.kind === "sandbox" ? 1 : 10, maxDelaySeconds: 30 },
      runPoll: { intervalMs: settings.runPollSeconds * 1000, maxMs: 6 * 3600 * 1000 },
      eventsSecret: settings.eventsSecret,
      ...(settings.reconcileMinutes > 0
        ? { reconcile: { intervalMs: settings.reconcileMinutes * 60_000, reportOnly: settings.reconcileReportOnly } }
        : {}),
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof SettingsError ? `branchline: ${error.message}` : error);
  process.exit(1);
});
