import { getTransformStream } from "@probot/pino";
import { pino, stdSerializers, type Logger, type LoggerOptions } from "pino";

/**
 * Keys that must never reach a log line. @octokit/webhooks attaches a refused delivery (its payload
 * and signature) to the error it raises, and Probot logs that error: a forged request would
 * otherwise be written out whole.
 */
const NEVER_LOGGED = new Set(["payload", "signature", "rawBody", "body", "privateKey", "token", "secret"]);

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8 || typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] = NEVER_LOGGED.has(key) ? "[redacted]" : redact(inner, depth + 1);
  }
  return out;
}

/** Serialises errors as pino does, then drops what must not be logged (also inside AggregateErrors). */
export function errorSerializer(error: unknown): unknown {
  return redact(error instanceof Error ? stdSerializers.err(error) : error);
}

/** Logger options every branchline logger shares: Probot's name and message key, redacted errors. */
export function logOptions(level: string, messageKey = "msg"): LoggerOptions {
  return { level, name: "probot", messageKey, serializers: { err: errorSerializer, error: errorSerializer } };
}

/**
 * The process logger: Probot's format (pretty in development, JSON in production or with
 * LOG_FORMAT=json) and level, with errors redacted.
 */
export async function createLog(env: NodeJS.ProcessEnv = process.env): Promise<Logger> {
  const logFormat =
    env.LOG_FORMAT === "pretty" || env.LOG_FORMAT === "json"
      ? env.LOG_FORMAT
      : env.NODE_ENV === "production"
        ? "json"
        : "pretty";
  const transform = await getTransformStream({ logFormat, logLevelInString: env.LOG_LEVEL_IN_STRING === "true" });
  // SonicBoom is a writable stream in all but its type declarations.
  transform.pipe(pino.destination(1) as unknown as NodeJS.WritableStream);
  return pino(logOptions(env.LOG_LEVEL ?? "info", env.LOG_MESSAGE_KEY ?? "msg"), transform);
}
