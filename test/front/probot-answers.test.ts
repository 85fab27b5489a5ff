import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { sign } from "@octokit/webhooks-methods";
import { createNodeMiddleware, Probot } from "probot";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFront } from "../../src/front/front-server.js";
import { generateAppKeyPair } from "../support/processes.js";

const SECRET = "the-webhook-secret";
const PATH = "/api/github/webhooks";
const servers: Server[] = [];
let probotPort: number;
let frontPort: number;

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

beforeAll(async () => {
  // A bare Probot app through Probot's own middleware: the answers the front must give.
  const silent = pino({ level: "silent" });
  const probot = new Probot({ appId: 1, privateKey: generateAppKeyPair().privateKey, secret: SECRET, log: silent });
  const middleware = await createNodeMiddleware(() => {}, { probot, webhooksPath: PATH });
  probotPort = await listen(createServer((req, res) => void middleware(req, res, () => res.writeHead(404).end())));
  const engine = await listen(createServer((_req, res) => res.writeHead(200).end()));
  const front = await startFront({
    port: 0,
    host: "127.0.0.1",
    webhookSecret: SECRET,
    webhookPath: PATH,
    engine: { host: "127.0.0.1", port: engine },
    deliver: () => {},
    maxBodyBytes: 1024 * 1024,
    log: silent,
  });
  servers.push(front);
  frontPort = (front.address() as AddressInfo).port;
});

afterAll(async () => {
  await Promise.all(
    servers.map((s) => new Promise<void>((resolve) => (s.closeAllConnections(), s.close(() => resolve())))),
  );
});

interface Answered {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly body: string;
}

function post(port: number, body: string, headers: Record<string, string>): Promise<Answered> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        method: "POST",
        path: PATH,
        headers: { "content-length": Buffer.byteLength(body), ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: res.headers["content-type"],
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const PAYLOAD = JSON.stringify({ zen: "Keep it logically awesome.", hook_id: 1 });
const webhookHeaders = async (body: string, secret = SECRET): Promise<Record<string, string>> => ({
  "content-type": "application/json",
  "x-github-event": "ping",
  "x-github-delivery": "d-1",
  "x-hub-signature-256": await sign(secret, body),
});

/** Each delivery as GitHub (or someone else) might send it; the front must answer it as Probot does. */
const DELIVERIES: ReadonlyArray<readonly [string, () => Promise<{ body: string; headers: Record<string, string> }>]> = [
  ["a signed delivery", async () => ({ body: PAYLOAD, headers: await webhookHeaders(PAYLOAD) })],
  [
    "charset in the content type",
    async () => ({
      body: PAYLOAD,
      headers: { ...(await webhookHeaders(PAYLOAD)), "content-type": "application/json; charset=utf-8" },
    }),
  ],
  ["a forged signature", async () => ({ body: PAYLOAD, headers: await webhookHeaders(PAYLOAD, "not-the-secret") })],
  [
    "form-encoded, as an App set to that content type sends",
    async () => ({
      body: PAYLOAD,
      headers: { ...(await webhookHeaders(PAYLOAD)), "content-type": "application/x-www-form-urlencoded" },
    }),
  ],
  [
    "no delivery id",
    async () => {
      const { "x-github-delivery": _, ...headers } = await webhookHeaders(PAYLOAD);
      return { body: PAYLOAD, headers };
    },
  ],
  [
    "no signature",
    async () => {
      const { "x-hub-signature-256": _, ...headers } = await webhookHeaders(PAYLOAD);
      return { body: PAYLOAD, headers };
    },
  ],
  ["a signed body that is not JSON", async () => ({ body: "{not json", headers: await webhookHeaders("{not json") })],
  ["a signed null", async () => ({ body: "null", headers: await webhookHeaders("null") })],
  ["a signed number", async () => ({ body: "5", headers: await webhookHeaders("5") })],
];

describe("the front answers a webhook exactly as Probot's own middleware does", () => {
  it.each(DELIVERIES)("%s", async (_name, delivery) => {
    const { body, headers } = await delivery();
    const fromProbot = await post(probotPort, body, headers);
    const fromFront = await post(frontPort, body, headers);
    expect(fromFront).toEqual(fromProbot);
  });

  it("the table covers an acceptance and every kind of refusal Probot gives", async () => {
    const statuses = new Set<number>();
    for (const [, delivery] of DELIVERIES) {
      const { body, headers } = await delivery();
      statuses.add((await post(probotPort, body, headers)).status);
    }
    expect([...statuses].sort()).toEqual([200, 400, 415, 500]);
  });
});
