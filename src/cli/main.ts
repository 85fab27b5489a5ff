#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { SettingsError } from "../settings.js";
import { EXIT, UsageError, parseCommandArgs, type Command } from "./command.js";
import { gcCommand } from "./gc.js";
import { historyCommand } from "./history.js";
import { Printer, type Io } from "./output.js";
import { planCommand } from "./plan.js";
import { statusCommand } from "./status.js";
import { validateCommand } from "./validate.js";

/**
 * `branchline`: the operators' command line, on the same core modules as the app. This file only
 * dispatches; each command lives in its own module and returns data, which is printed as a table or,
 * with --json, as it is.
 */

const COMMANDS: readonly Command<never>[] = [
  validateCommand,
  planCommand,
  statusCommand,
  historyCommand,
  gcCommand,
] as unknown as Command<never>[];

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `Usage: branchline COMMAND [OPTIONS]

Ask branchline what it would do, and what it has done, from a terminal or a CI job.

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join("\n")}

Run "branchline COMMAND --help" for a command's options.

Every command takes --json (machine-readable output) and -h/--help. Colour is used only on a
terminal, never with NO_COLOR set. The environment is the app's: AWS_REGION, AWS_ENDPOINT_URL and
the SDK's credential chain for AWS; GITHUB_TOKEN, or APP_ID with PRIVATE_KEY or PRIVATE_KEY_PATH, and
GHE_HOST/GHE_PROTOCOL for GitHub.

Exit codes: 0 ok, 1 findings or failure, 2 usage error.`;
}

/** Values that must never be printed, whatever an error message quotes. */
function secretsOf(env: NodeJS.ProcessEnv): string[] {
  return [
    "GITHUB_TOKEN",
    "GH_TOKEN",
    "PRIVATE_KEY",
    "WEBHOOK_SECRET",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "BRANCHLINE_EVENTS_SECRET",
  ]
    .map((name) => env[name])
    .filter((value): value is string => typeof value === "string" && value !== "");
}

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as {
      version?: string;
    };
    return pkg.version ?? "unknown";
  } catch {
    return "unknown";
  }
}

export async function main(argv: readonly string[], io: Io): Promise<number> {
  const out = new Printer(io);
  const [name, ...rest] = argv;
  if (name === undefined) {
    out.error(mainHelp());
    return EXIT.usage;
  }
  if (name === "-h" || name === "--help") {
    out.line(mainHelp());
    return EXIT.ok;
  }
  if (name === "--version" || name === "-v") {
    out.line(version());
    return EXIT.ok;
  }
  if (name === "help") {
    const target = COMMANDS.find((c) => c.name === rest[0]);
    out.line(target ? target.help : mainHelp());
    return rest[0] === undefined || target ? EXIT.ok : EXIT.usage;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    out.error(`branchline: unknown command "${name}"\n\n${mainHelp()}`);
    return EXIT.usage;
  }
  try {
    const args = parseCommandArgs(command, rest);
    if (args.values.help === true) {
      out.line(command.help);
      return EXIT.ok;
    }
    const outcome = await command.run(args, io);
    if (args.values.json === true) out.json(outcome.data);
    else command.render(outcome.data as never, out);
    return outcome.exitCode;
  } catch (error) {
    if (error instanceof UsageError || error instanceof SettingsError) {
      out.error(`branchline ${command.name}: ${error.message}\nRun "branchline ${command.name} --help" for usage.`);
      return EXIT.usage;
    }
    out.error(`branchline ${command.name}: ${describe(error)}`);
    if (io.env.BRANCHLINE_DEBUG === "1" && error instanceof Error && error.stack) out.error(error.stack);
    return EXIT.findings;
  }
}

/** An error as an operator reads it: the service's code and message, no stack, no request dump. */
export function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { Code?: string }).Code ?? error.name;
    const message = error.message.split("\n")[0] ?? error.message;
    return code && code !== "Error" && !message.startsWith(code) ? `${code}: ${message}` : message;
  }
  return String(error);
}

const io: Io = {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  secrets: secretsOf(process.env),
};
main(process.argv.slice(2), io).then(
  (code) => {
    // Pending sockets and timers (SDK keep-alive, a followed run) must not hold the exit.
    process.stdout.write("", () => process.exit(code));
  },
  (error: unknown) => {
    process.stderr.write(`branchline: ${describe(error)}\n`);
    process.exit(EXIT.findings);
  },
);
