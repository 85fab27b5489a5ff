import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { boundedBody } from "../../src/http/bounded-body.js";

let server: Server | undefined;
let reached = 0;

afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
  reached = 0;
});

async function serve(limit: number): Promise<number> {
  const guarded = boundedBody((req, res) => {
    reached++;
    req.resume();
    req.on("end", () => res.writeHead(200).end("read"));
    return true;
  }, limit);
  server = createServer((req, res) => void guarded(req, res));
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

function send(
  port: number,
  method: string,
  body: string | null,
  headers: Record<string, string | number> = {},
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method, path: "/api/github/webhooks", headers }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    if (body === null) req.end();
    else req.end(body);
  });
}

describe("boundedBody", () => {
  it("passes a body within the limit to the handler", async () => {
    const port = await serve(1024);
    expect(await send(port, "POST", "x".repeat(1024), { "content-length": 1024 })).toBe(200);
    expect(reached).toBe(1);
  });

  it("refuses a body over the limit with 413, unread", async () => {
    const port = await serve(1024);
    expect(await send(port, "POST", "x".repeat(1025), { "content-length": 1025 })).toBe(413);
    expect(reached).toBe(0);
  });

  it("refuses a body that does not say its length with 411", async () => {
    const port = await serve(1024);
    expect(await send(port, "POST", "x".repeat(10), { "transfer-encoding": "chunked" })).toBe(411);
    expect(reached).toBe(0);
  });

  it("lets requests without a body through", async () => {
    const port = await serve(1024);
    expect(await send(port, "GET", null)).toBe(200);
    expect(reached).toBe(1);
  });
});
