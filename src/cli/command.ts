import { parseArgs, type ParseArgsConfig } from "node:util";
import type { Io, Printer } from "./output.js";

/** Exit codes: the contract scripts and CI jobs rely on. */
export const EXIT = {
  /** Done; nothing wrong found. */
  ok: 0,
  /** Findings (config or template errors, stuck stacks, pending actions of a dry run) or a failure on the way. */
  findings: 1,
  /** The command was not given what it needs: unknown flags, missing arguments or settings. */
  usage: 2,
} as const;

/** The command line was wrong, or a setting it needs is missing: exit 2, with a hint. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** What a command found, separate from how it is shown. */
export interface Outcome<Data> {
  readonly data: Data;
  readonly exitCode: number;
}

export type OptionSpec = NonNullable<ParseArgsConfig["options"]>;

export interface Command<Data = unknown> {
  readonly name: string;
  readonly summary: string;
  /** The full `--help` text. */
  readonly help: string;
  readonly options: OptionSpec;
  /** How many positional arguments it takes at most. */
  readonly maxPositionals: number;
  run(args: ParsedArgs, io: Io): Promise<Outcome<Data>>;
  /** Human output; `--json` prints `data` as it is. */
  render(data: Data, out: Printer): void;
}

export interface ParsedArgs {
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  readonly positionals: readonly string[];
}

/** Options every command takes. */
export const COMMON_OPTIONS = {
  help: { type: "boolean", short: "h" },
  json: { type: "boolean" },
} as const satisfies OptionSpec;

export function parseCommandArgs(command: Command, argv: readonly string[]): ParsedArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { ...COMMON_OPTIONS, ...command.options },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    // node's messages are good ("Unknown option '--x'"); the hint says where to look.
    throw new UsageError(`${(error as Error).message.replace(/\. To specify a positional argument.*$/s, "")}`);
  }
  if (parsed.positionals.length > command.maxPositionals) {
    throw new UsageError(`unexpected argument "${parsed.positionals[command.maxPositionals]}"`);
  }
  return { values: parsed.values as ParsedArgs["values"], positionals: parsed.positionals };
}

export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const value = args.values[name];
  return typeof value === "string" ? value : undefined;
}

/** `owner/name`, as GitHub writes it. */
export function parseRepoOption(text: string): { owner: string; name: string } {
  const match = /^([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+)$/.exec(text);
  if (!match) throw new UsageError(`--repo "${text}" is not OWNER/NAME (e.g. --repo octo-org/shop)`);
  return { owner: match[1]!, name: match[2]! };
}

/** `work` over `items`, at most `limit` at once, results in order: AWS and GitHub rate-limit bursts. */
export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
