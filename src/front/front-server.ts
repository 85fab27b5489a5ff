import {
  createServer,
  request,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
  type ServerResponse,
} from "node:http";
import { verify } from "@octokit/webhooks-methods";
import type { Logger } from "probot";

/**
 * The front of the single-process install when the engine runs in a process of its own: it verifies
 * each webhook's signature, answers GitHub at once, and relays the delivery to the engine process;
 * every other request (the web view, the events route, Probot's pages) is passed through to it.
 * Nothing here waits for work, so a burst of jobs in the engine cannot hold an acknowledgement.
 *
 * A relayed delivery lives in memory until the engine has it: one the engine never takes (it died
 * and did not come back in time) is lost to this process, and the reconcile pass finds what it
 * would have done, as it does for a webhook GitHub never sent.
 */
export interface FrontOptions {
  readonly port: number;
  readonly host: string;
  readonly webhookSecret: string;
  readonly webhookPath: string;
  /** The engine process's own server, on loopback. */
  readonly engine: { readonly host: string; readonly port: number };
  readonly maxBodyBytes: number;
  readonly log: Pick<Logger, "warn" | "error">;
  /** How long a relay keeps trying an engine that does not answer (starting, restarting). */
  readonly relayForMs?: number;
}

const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "host"]);

export async function startFront(options: FrontOptions): Promise<Server> {
  const server = createServer((req, res) => {
    const pathname = (req.url ?? "").split("?")[0] ?? "";
    const isWebhook =
      req.method === "POST" &&
      (pathname === options.webhookPath ||
        ((pathname === "/" || pathname === "") && req.headers["x-github-event"] !== undefined));
    const done = isWebhook ? acknowledge(options, req, res) : pass(options, req, res);
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

/** Verifies, answers, then relays: GitHub hears back before the engine has even seen the delivery. */
async function acknowledge(options: FrontOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const declared = Number(req.headers["content-length"]);
  if (!Number.isSafeInteger(declared) || declared < 0) return refuse(req, res, 411, "send a Content-Length header");
  if (declared > options.maxBodyBytes) return refuse(req, res, 413, `body over ${options.maxBodyBytes} bytes`);
  const body = await readBody(req, options.maxBodyBytes);
  const signature = req.headers["x-hub-signature-256"];
  if (
    typeof signature !== "string" ||
    !(await verify(options.webhookSecret, body.toString("utf8"), signature).catch(() => false))
  ) {
    res
      .writeHead(400, { "content-type": "application/json" })
      .end(JSON.stringify({ error: "signature does not match event payload and secret" }));
    return;
  }
  res.writeHead(202, { "content-type": "text/plain" }).end("Accepted");
  void relay(options, req, body);
}

async function relay(options: FrontOptions, req: IncomingMessage, body: Buffer): Promise<void> {
  const deadline = Date.now() + (options.relayForMs ?? 30_000);
  const headers = forwardable(req.headers);
  for (let wait = 100; ; wait = Math.min(wait * 2, 2_000)) {
    try {
      const status = await send(options.engine, req.method ?? "POST", req.url ?? options.webhookPath, headers, body);
      if (status < 500) return;
      throw new Error(`the engine answered ${status}`);
    } catch (error) {
      if (Date.now() + wait > deadline) {
        options.log.warn(
          { err: error, delivery: req.headers["x-github-delivery"] },
          "a webhook could not be handed to the engine; the reconcile pass will find what it asked for",
        );
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

function send(
  engine: FrontOptions["engine"],
  method: string,
  path: string,
  headers: OutgoingHttpHeaders,
  body: Buffer,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const out = request(
      { host: engine.host, port: engine.port, method, path, headers: { ...headers, "content-length": body.length } },
      (answer) => {
        answer.resume();
        answer.on("end", () => resolve(answer.statusCode ?? 0));
      },
    );
    out.on("error", reject);
    out.end(body);
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

function refuse(req: IncomingMessage, res: ServerResponse, status: number, error: string): void {
  res.writeHead(status, { "content-type": "application/json", connection: "close" }).end(JSON.stringify({ error }));
  req.resume();
}
