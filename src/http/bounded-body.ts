import type { IncomingMessage, ServerResponse } from "node:http";

type Handler = (req: IncomingMessage, res: ServerResponse) => unknown;

/** GitHub sends no webhook over 25 MB; nothing larger has a reason to be read. */
export const DEFAULT_MAX_BODY_BYTES = 25 * 1024 * 1024;

const WITH_BODY = new Set(["POST", "PUT", "PATCH"]);

/**
 * Wraps a request handler so a body over `limit` bytes is never read: such a request gets 413, and
 * one that does not say its length (GitHub and EventBridge always do) gets 411. The body itself is
 * left untouched for the handler, which may start reading it later.
 */
export function boundedBody(handler: Handler, limit: number): Handler {
  return (req, res) => {
    if (!WITH_BODY.has(req.method ?? "")) return handler(req, res);
    const header = req.headers["content-length"];
    const declared = header === undefined ? NaN : Number(header);
    if (!Number.isSafeInteger(declared) || declared < 0) return refuse(req, res, 411, "send a Content-Length header");
    if (declared > limit) return refuse(req, res, 413, `body over ${limit} bytes`);
    return handler(req, res);
  };
}

function refuse(req: IncomingMessage, res: ServerResponse, status: number, error: string): true {
  res.writeHead(status, { "content-type": "application/json", connection: "close" }).end(JSON.stringify({ error }));
  req.resume();
  return true;
}
