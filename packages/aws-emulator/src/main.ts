#!/usr/bin/env node
import { parseArgs } from "node:util";
import { startEmulator } from "./index.js";

/**
 * Standalone emulator, for process-level tests and for pointing other tools at it:
 * `node packages/aws-emulator/dist/main.js --port 4566 --host 127.0.0.1 [--timing sandbox|test]`.
 * Prints its URL on the first line of stdout, then serves until SIGINT or SIGTERM.
 */
const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    host: { type: "string", default: "127.0.0.1" },
    region: { type: "string", default: "us-east-1" },
    "account-id": { type: "string", default: "123456789012" },
    timing: { type: "string", default: "sandbox" },
    "event-url": { type: "string" },
  },
});

const emulator = await startEmulator({
  host: values.host,
  port: Number(values.port),
  region: values.region,
  accountId: values["account-id"],
  timing: values.timing === "test" ? "test" : "sandbox",
  eventSink: values["event-url"] ? { url: values["event-url"] } : undefined,
});
process.stdout.write(`${emulator.url}\n`);

const stop = () => {
  void emulator.close().then(() => process.exit(0));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
