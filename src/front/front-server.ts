import {
  createServer,
  request,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
  type ServerResponse,
} from "node:http";
import type { Logger } from "probot";
import { boundedBody } from "../http/bounded-body.js";
import type { RelayedDelivery } from "./engine-link.js";
import { answerAsProbot } from "./probot-answers.js";

/**
 * The front of the single-process install when the engine runs in a process of its own: it verifies
 * each webhook's signature, answers GitHub at once as Probot would, and hands the delivery on
 * (`deliver`: the engine link, src/front/engine-link.ts); every other request (the web view, the
 * events route, Probot's pages) is passed through to the engine's server. Nothing here waits for
 * work, so a burst of jobs in the engine cannot hold an acknowledgement.
 */
export interface FrontOptions {
  readonly port: number;
  readonly host: string;
  readonly webhookSecret: string;
  readonly webhookPath: string;
  /** The engine process's own server, on loopback: every request that is not a webhook goes there. */
  readonly engine: { readonly host: string; readonly port: number };
  /** Hands a verified, answered webhook to the engine. */
  readonly deliver: (delivery: RelayedDelivery) => void;
  readonly maxBodyBytes: number;
  readonly log: Pick<Logger, "warn" | "error">;
}

const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "host"]);

export async function startFront(options: FrontOptions): Promise<Server> {
  const path = withoutTrailingSlashes(options.webhookPath);
  // The engine's own guard: a body over the limit is never read (413), one without a length is refused (411).
  const webhook = boundedBody((req, res) => acknowledge(options, req, res), options.maxBodyBytes);
  const server = createServer((req, res) => {
    const pathname = withoutTrailingSlashes((req.url ?? "").split("?")[0] ?? "");
    const isWebhook =
      req.method === "POST" && (pathname === path || (pathname === "/" && req.headers["x-github-event"] !== undefined));
    const done = isWebhook ? Promise.resolve(webhook(req, res)) : pass(options, req, res);
    done.catch((error: unknown) => {
      options.log.error({ err: error, url: req.url }, "the front could not serve a request");
      if (!res.headersSent) res.writeHead(502, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: "the engine process did not answer" }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return server;
}

/** Verifies, answers as Probot would, then relays: GitHub hears back before the engine has seen the delivery. */
async function acknowledge(options: FrontOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = (await readBody(req, options.maxBodyBytes)).toString("utf8");
  const verdict = await answerAsProbot(req.headers, body, options.webhookSecret);
  res.writeHead(verdict.answer.status, verdict.answer.headers).end(verdict.answer.body);
  // Logged as Probot's middleware logs a refusal: what was refused and why, never the payload.
  if (verdict.kind === "refused")
    options.log.error(
      {
        delivery: req.headers["x-github-delivery"],
        event: req.headers["x-github-event"],
        status: verdict.answer.status,
      },
      `webhook refused: ${verdict.reason}`,
    );
  if (verdict.kind === "received")
    options.deliver({
      kind: "delivery",
      id: String(req.headers["x-github-delivery"]),
      name: String(req.headers["x-github-event"]),
      payload: verdict.payload,
    });
}

/** Any other request goes to the engine process as it is, streamed both ways (server-sent events too). */
function pass(options: FrontOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  return new Promise((resolve, reject) => {
    const out = request(
      {
        host: options.engine.host,
        port: options.engine.port,
        method: req.method,
        path: req.url,
        headers: { ...forwardable(req.headers), host: req.headers.host ?? "" },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, forwardable(answer.headers));
        answer.pipe(res);
        answer.on("end", () => resolve());
        answer.on("error", reject);
      },
    );
    out.on("error", reject);
    res.on("close", () => out.destroy());
    req.pipe(out);
  });
}

function forwardable(headers: IncomingMessage["headers"]): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined && !HOP_BY_HOP.has(name.toLowerCase())) out[name] = value;
  return out;
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) req.destroy(new Error(`body over ${limit} bytes`));
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** Probot's middleware matches its path so (`/api/github/webhooks/` is `/api/github/webhooks`). */
function withoutTrailingSlashes(path: string): string {
  return path.replace(/\/+$/, "") || "/";
}
