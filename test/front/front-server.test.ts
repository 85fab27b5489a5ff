import { createServer, request, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { sign } from "@octokit/webhooks-methods";
import { afterEach, describe, expect, it } from "vitest";
import { startFront } from "../../src/front/front-server.js";
import { eventually } from "../support/processes.js";

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

async function front(enginePort: number): Promise<number> {
  const server = await startFront({
    port: 0,
    host: "127.0.0.1",
    webhookSecret: SECRET,
    webhookPath: "/api/github/webhooks",
    engine: { host: "127.0.0.1", port: enginePort },
    maxBodyBytes: 1024 * 1024,
    log: { warn: () => {}, error: () => {} } as never,
    relayForMs: 5_000,
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
  it("answers a signed webhook before the engine has it, then hands the engine the same delivery", async () => {
    // The engine answers nothing until the acknowledgement is in: a front that waited for it would never answer.
    let acknowledged: () => void = () => {};
    const slow = await engine(new Promise<void>((resolve) => (acknowledged = resolve)));
    const port = await front(slow.port);
    const body = JSON.stringify({ action: "opened", number: 1 });
    const answer = await call(port, "POST", "/api/github/webhooks", body, {
      "content-type": "application/json",
      "x-github-event": "pull_request",
      "x-github-delivery": "d-1",
      "x-hub-signature-256": await sign(SECRET, body),
    });
    expect(answer.status).toBe(202);
    acknowledged();
    await eventually(() => (slow.received.length === 1 ? true : undefined), 5_000, "the engine to get the delivery");
    expect(slow.received[0]).toMatchObject({ method: "POST", url: "/api/github/webhooks", body });
    expect(slow.received[0]!.headers).toMatchObject({
      "x-github-event": "pull_request",
      "x-github-delivery": "d-1",
      "x-hub-signature-256": await sign(SECRET, body),
    });
  });

  it("refuses a webhook whose signature does not match, and the engine never sees it", async () => {
    const quick = await engine();
    const port = await front(quick.port);
    const body = JSON.stringify({ forged: true });
    const answer = await call(port, "POST", "/api/github/webhooks", body, {
      "x-github-event": "push",
      "x-hub-signature-256": await sign("another-secret", body),
    });
    const unsigned = await call(port, "POST", "/", body, { "x-github-event": "push" });
    expect([answer.status, unsigned.status]).toEqual([400, 400]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(quick.received).toEqual([]);
  });

  it("keeps relaying to an engine that is not up yet, until it is", async () => {
    const later = await engine();
    const port = await front(later.port);
    servers[0]!.close();
    servers[0]!.closeAllConnections();
    const body = JSON.stringify({ zen: "late" });
    const answer = await call(port, "POST", "/api/github/webhooks", body, {
      "x-github-event": "ping",
      "x-hub-signature-256": await sign(SECRET, body),
    });
    expect(answer.status).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 500));
    servers[0]!.listen(later.port, "127.0.0.1");
    await eventually(
      () => (later.received.length === 1 ? true : undefined),
      5_000,
      "the engine, back, to get the delivery",
    );
    expect(later.received[0]!.body).toBe(body);
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
