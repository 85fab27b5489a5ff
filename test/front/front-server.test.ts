import { createServer, request, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { sign } from "@octokit/webhooks-methods";
import { afterEach, describe, expect, it } from "vitest";
import type { RelayedDelivery } from "../../src/front/engine-link.js";
import { startFront } from "../../src/front/front-server.js";

const SECRET = "front-secret-for-tests";
const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((s) => new Promise<void>((resolve) => (s.closeAllConnections(), s.close(() => resolve())))),
  );
});

interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A stand-in for the engine process: records what reaches it; answers once `answering` resolves. */
async function engine(
  answering: Promise<unknown> = Promise.resolve(),
): Promise<{ port: number; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      });
      void answering.then(() => {
        if (req.url === "/branchline/stream") {
          res.writeHead(200, { "content-type": "text/event-stream" });
          res.write("data: one\n\n");
          setTimeout(() => res.end("data: two\n\n"), 200);
          return;
        }
        res
          .writeHead(200, { "content-type": "application/json", "x-engine": "yes" })
          .end(JSON.stringify({ from: "engine" }));
      });
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as AddressInfo).port, received };
}

const delivered: RelayedDelivery[] = [];
const logged: unknown[][] = [];

async function front(enginePort: number): Promise<number> {
  delivered.length = 0;
  logged.length = 0;
  const server = await startFront({
    port: 0,
    host: "127.0.0.1",
    webhookSecret: SECRET,
    webhookPath: "/api/github/webhooks",
    engine: { host: "127.0.0.1", port: enginePort },
    deliver: (delivery) => delivered.push(delivery),
    maxBodyBytes: 1024 * 1024,
    log: { warn: () => {}, error: (...args: unknown[]) => logged.push(args) } as never,
  });
  servers.push(server);
  return (server.address() as AddressInfo).port;
}

function call(
  port: number,
  method: string,
  path: string,
  body = "",
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port, method, path, headers: { "content-length": Buffer.byteLength(body), ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

describe("the front: webhooks answered at once, the engine behind it", () => {
  it("answers a signed webhook and hands the delivery on as it came; the engine's server never sees it", async () => {
    const quick = await engine();
    const port = await front(quick.port);
    const body = JSON.stringify({ action: "opened", number: 1 });
    const answer = await call(port, "POST", "/api/github/webhooks", body, {
      "content-type": "application/json",
      "x-github-event": "pull_request",
      "x-github-delivery": "d-1",
      "x-hub-signature-256": await sign(SECRET, body),
    });
    expect(answer).toMatchObject({ status: 200, body: "ok\n" });
    expect(delivered).toEqual([{ kind: "delivery", id: "d-1", name: "pull_request", payload: JSON.parse(body) }]);
    expect(quick.received).toEqual([]);
  });

  it("takes a delivery sent to / (the App's registered URL) as one sent to the webhook path", async () => {
    const quick = await engine();
    const port = await front(quick.port);
    const body = JSON.stringify({ zen: "root" });
    const answer = await call(port, "POST", "/", body, {
      "content-type": "application/json",
      "x-github-event": "ping",
      "x-github-delivery": "d-5",
      "x-hub-signature-256": await sign(SECRET, body),
    });
    expect(answer.status).toBe(200);
    expect(delivered.map((d) => d.id)).toEqual(["d-5"]);
  });

  it("refuses a webhook whose signature does not match, and hands nothing on", async () => {
    const quick = await engine();
    const port = await front(quick.port);
    const body = JSON.stringify({ forged: true });
    const answer = await call(port, "POST", "/api/github/webhooks", body, {
      "content-type": "application/json",
      "x-github-event": "push",
      "x-github-delivery": "d-2",
      "x-hub-signature-256": await sign("another-secret", body),
    });
    const unsigned = await call(port, "POST", "/", body, {
      "content-type": "application/json",
      "x-github-event": "push",
      "x-github-delivery": "d-3",
    });
    expect([answer.status, unsigned.status]).toEqual([400, 400]);
    expect(delivered).toEqual([]);
    // Each refusal is logged, as Probot logs it, with what was refused and why, and not the payload.
    expect(logged).toEqual([
      [
        { delivery: "d-2", event: "push", status: 400 },
        "webhook refused: Error: [@octokit/webhooks] signature does not match event payload and secret",
      ],
      [
        { delivery: "d-3", event: "push", status: 400 },
        "webhook refused: Required headers missing: x-hub-signature-256",
      ],
    ]);
    expect(quick.received).toEqual([]);
  });

  it("refuses a body over the limit before reading it", async () => {
    const quick = await engine();
    const port = await front(quick.port);
    const big = await call(port, "POST", "/api/github/webhooks", "x".repeat(2 * 1024 * 1024), {
      "content-type": "application/json",
    });
    expect(big.status).toBe(413);
    expect(delivered).toEqual([]);
  });

  it("passes every other request through as it is, streaming included", async () => {
    const quick = await engine();
    const port = await front(quick.port);
    const page = await call(port, "GET", "/branchline/api/v1/installations?x=1", "", { cookie: "session=abc" });
    expect(page).toMatchObject({ status: 200, body: JSON.stringify({ from: "engine" }) });
    expect(page.headers["x-engine"]).toBe("yes");
    expect(quick.received[0]).toMatchObject({ method: "GET", url: "/branchline/api/v1/installations?x=1" });
    expect(quick.received[0]!.headers.cookie).toBe("session=abc");
    const stream = await call(port, "GET", "/branchline/stream");
    expect(stream.body).toBe("data: one\n\ndata: two\n\n");
  });
});
