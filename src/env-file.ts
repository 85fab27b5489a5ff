import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseEnv } from "node:util";

/**
 * Loads `.env` from the working directory over the process environment, exactly as Probot's `run`
 * does, so settings read before Probot starts see what Probot will see: one source of settings.
 * A missing file is no error; returns the names it set (never their values: some are secrets).
 */
export function loadEnvFile(cwd: string = process.cwd(), env: NodeJS.ProcessEnv = process.env): string[] {
  let text: string;
  try {
    text = readFileSync(join(cwd, ".env"), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const parsed = parseEnv(text);
  Object.assign(env, parsed);
  return Object.keys(parsed);
}
