import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import type { SinkConfig } from "../../src/config/schema.js";
import type { NotificationEvent } from "../../src/notifications/events.js";
import { slackBody, webhookBody } from "../../src/notifications/events.js";
import { Notifier } from "../../src/notifications/notifier.js";
import { verify } from "../../src/notifications/signature.js";

const EVENT: NotificationEvent = {
  event: "run.failed",
  occurredAt: "2026-01-01T00:00:00.000Z",
  repository: "octo-org/shop",
  environment: { kind: "production", name: "production" },
  commit: "a".repeat(40),
  run: {
    pipeline: "branchline-shop-production-1a2b3c4d",
    executionId: "e-1",
    status: "Failed",
    summary: "Build failed",
    url: "https://console.example/e-1",
  },
  rollback: { fromCommit: "a".repeat(40), toCommit: "b".repeat(40) },
  message: "pipeline failed for `aaaaaaaaaaaa`; rolling back to `bbbbbbbbbbbb`",
};

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

async function receiver(status = 200) {
  const received: { path: string; headers: IncomingHttpHeaders; body: string }[] = [];
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      received.push({ path: req.url ?? "", headers: req.headers, body });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

function notifier(env: Record<string, string>, allowLoopbackHttp = true) {
  const lines: string[] = [];
  const log = pino(
    { level: "debug" },
    new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(chunk.toString()), done()) }),
  );
  const made = new Notifier({
    log,
    allowLoopbackHttp,
    env,
    budget: { attempts: 2, backoffMs: [10], attemptTimeoutMs: 1000, totalMs: 3000 },
  });
  return { notifier: made, lines };
}

describe("Notifier", () => {
  it("signs the generic webhook's raw body and says which event and delivery it is", async () => {
    const hook = await receiver();
    const { notifier: n } = notifier({ BRANCHLINE_SINK_HOOK_SECRET: "s3cret" });
    n.notify([{ type: "webhook", url: `${hook.url}/hook`, secretEnv: "BRANCHLINE_SINK_HOOK_SECRET" }], EVENT);
    await n.idle();
    const [request] = hook.received;
    expect(verify(request!.body, "s3cret", request!.headers["x-branchline-signature-256"] as string)).toBe(true);
    const body = JSON.parse(request!.body);
    expect(body).toEqual(webhookBody(EVENT, request!.headers["x-branchline-delivery"] as string));
    expect(request!.headers["x-branchline-event"]).toBe("run.failed");
    expect(n.outcomes).toEqual([
      { sink: "webhook#1", event: "run.failed", result: { ok: true, attempts: 1, status: 200 } },
    ]);
  });

  it("sends Slack its text and blocks, from a URL held in an environment variable", async () => {
    const hook = await receiver();
    const { notifier: n } = notifier({ BRANCHLINE_SINK_SLACK_URL: `${hook.url}/services/T/B/X` });
    n.notify([{ type: "slack", urlEnv: "BRANCHLINE_SINK_SLACK_URL" }], EVENT);
    await n.idle();
    expect(hook.received[0]!.path).toBe("/services/T/B/X");
    expect(JSON.parse(hook.received[0]!.body)).toEqual(slackBody(EVENT));
    expect(slackBody(EVENT).text).toBe(
      ":x: octo-org/shop · production: pipeline failed for `aaaaaaaaaaaa`; rolling back to `bbbbbbbbbbbb`",
    );
  });

  it.each<[string, Partial<SinkConfig>, number]>([
    ["an event the sink did not ask for", { events: ["run.succeeded"] }, 0],
    ["an environment kind it did not ask for", { environments: ["staging"] }, 0],
    ["what it asked for", { events: ["run.failed"], environments: ["production"] }, 1],
  ])("filters: %s", async (_name, filter, count) => {
    const hook = await receiver();
    const { notifier: n } = notifier({ BRANCHLINE_SINK_S: "x" });
    n.notify([{ type: "webhook", url: hook.url, secretEnv: "BRANCHLINE_SINK_S", ...filter } as SinkConfig], EVENT);
    await n.idle();
    expect(hook.received).toHaveLength(count);
  });

  it("never throws and never sends unsigned: a missing secret, a missing URL, a refused URL are logged", async () => {
    const hook = await receiver();
    const { notifier: n, lines } = notifier({});
    expect(() =>
      n.notify(
        [
          { type: "webhook", url: hook.url, secretEnv: "BRANCHLINE_SINK_MISSING" },
          { type: "slack", urlEnv: "BRANCHLINE_SINK_ALSO_MISSING" },
        ],
        EVENT,
      ),
    ).not.toThrow();
    const { notifier: strict, lines: strictLines } = notifier({ BRANCHLINE_SINK_S: "x" }, false);
    strict.notify([{ type: "webhook", url: hook.url, secretEnv: "BRANCHLINE_SINK_S" }], EVENT);
    await Promise.all([n.idle(), strict.idle()]);
    expect(hook.received).toHaveLength(0);
    expect(lines.join("")).toContain("its secret environment variable is not set");
    expect(lines.join("")).toContain("its environment variable is not set");
    expect(strictLines.join("")).toContain("plain http is allowed only to loopback in tests and the sandbox");
  });

  it("gives up on a failing sink within its budget, and logs the host only (a Slack URL is a credential)", async () => {
    const hook = await receiver(500);
    const { notifier: n, lines } = notifier({ BRANCHLINE_SINK_SLACK_URL: `${hook.url}/services/T/B/SECRET-TOKEN` });
    n.notify([{ type: "slack", urlEnv: "BRANCHLINE_SINK_SLACK_URL" }], EVENT);
    await n.idle();
    expect(hook.received).toHaveLength(2);
    expect(n.outcomes[0]!.result).toEqual({ ok: false, attempts: 2, status: 500, error: "HTTP 500" });
    expect(lines.join("")).toContain("notification not delivered; gave up");
    expect(lines.join("")).not.toContain("SECRET-TOKEN");
  });
});
