import { runWithEngineProcess } from "./front/engine-process.js";
import { loadEnvFile } from "./env-file.js";
import { createLog } from "./log.js";
import { readSettings, SettingsError } from "./settings.js";

/**
 * `npm start`. By default (an App configured, one process for everything) this process is only the
 * front: it verifies, answers and relays webhooks, and the app runs in a second process behind it
 * (src/front/engine-process.ts), so it never loads the app at all. Otherwise it is the app.
 */
async function main(): Promise<void> {
  // Before any setting is read: `.env` (written by Probot's set-up flow, or by hand) is a source
  // like the environment itself, and Probot applies it the same way when `run` starts.
  loadEnvFile();
  const settings = readSettings();
  const log = await createLog();
  if (settings.engine.kind === "front") return runWithEngineProcess(settings.engine, log);
  const { startApp } = await import("./start-app.js");
  return startApp(settings, log);
}

main().catch((error: unknown) => {
  console.error(error instanceof SettingsError ? `branchline: ${error.message}` : error);
  process.exit(1);
});
