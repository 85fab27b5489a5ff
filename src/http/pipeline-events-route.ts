import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "probot";
import { parsePipelineEvent, type PipelineEvent } from "../aws/pipeline-events.js";

export const PIPELINE_EVENTS_PATH = "/branchline/events";
/** The header templates/events.yml's EventBridge connection adds to every request. */
export const SECRET_HEADER = "x-branchline-secret";
/** EventBridge events are at most 256 KB. */
const MAX_BODY_BYTES = 256 * 1024;

export interface PipelineEventsRouteOptions {
  /** Unset: the route answers 404 and says how to enable it. */
  readonly secret: string | undefined;
  readonly log: Logger;
  readonly onEvent: (event: PipelineEvent) => void;
}

/**
 * POST /branchline/events: CodePipeline state changes forwarded by EventBridge. Authenticated by a
 * shared secret; a request without it, or malformed, is refused and changes nothing. Its body is
 * never logged.
 */
export function pipelineEventsRoute(options: PipelineEventsRouteOptions) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = (req.url ?? "").split("?")[0];
    if (path !== PIPELINE_EVENTS_PATH) return false;
    if (req.method !== "POST") return reply(res, 405, { error: "use POST" });
    if (!options.secret) {
      return reply(res, 404, {
        error: "pipeline events are not enabled: set BRANCHLINE_EVENTS_SECRET to the secret of templates/events.yml",
      });
    }
    if (!secretMatches(req.headers[SECRET_HEADER], options.secret)) {
      options.log.warn({ path, remote: req.socket.remoteAddress }, "pipeline event refused: missing or wrong secret");
      return reply(res, 401, { error: `missing or wrong ${SECRET_HEADER} header` });
    }
    const body = await readBody(req, MAX_BODY_BYTES);
    if (body === "too-large") return reply(res, 413, { error: `body over ${MAX_BODY_BYTES} bytes` });
    let json: unknown;
    try {
      json = JSON.parse(body.toString("utf8"));
    } catch {
      return reply(res, 400, { error: "body is not JSON" });
    }
    const parsed = parsePipelineEvent(json);
    if (!parsed.ok) {
      options.log.warn({ path }, "pipeline event refused: malformed");
      return reply(res, 400, { error: parsed.error });
    }
    options.onEvent(parsed.event);
    return reply(res, 202, { accepted: true });
  };
}

function secretMatches(header: string | string[] | undefined, secret: string): boolean {
  if (typeof header !== "string") return false;
  const given = Buffer.from(header, "utf8");
  const expected = Buffer.from(secret, "utf8");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | "too-large"> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // Stop collecting; the 413 goes out with Connection: close, which ends the upload.
        req.removeAllListeners("data");
        resolve("too-large");
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function reply(res: ServerResponse, status: number, body: unknown): true {
  res
    .writeHead(status, { "content-type": "application/json", ...(status === 413 ? { connection: "close" } : {}) })
    .end(JSON.stringify(body));
  return true;
}
