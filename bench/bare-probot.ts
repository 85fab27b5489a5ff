import { run } from "probot";

/**
 * The reference: a bare Probot 14 app that does nothing, served by Probot's own `run()` from the
 * same environment variables as branchline's server (APP_ID, PRIVATE_KEY, WEBHOOK_SECRET, PORT,
 * HOST, LOG_LEVEL, LOG_FORMAT). It verifies signatures and answers webhooks like any Probot app.
 */
await run(() => {});
