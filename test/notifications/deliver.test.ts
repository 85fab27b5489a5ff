import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  deliver,
  httpPost,
  retryable,
  type DeliveryDeps,
  type Post,
  type RetryBudget,
} from "../../src/notifications/deliver.js";

/** A clock that moves only when the code under test sleeps, or a POST takes time. */
function fakeDeps(answers: (number | Error | { after: number; then: number | Error })[]) {
  let now = 0;
  const sleeps: number[] = [];
  const calls: { url: string; timeoutMs: number }[] = [];
  const post: Post = async (url, _headers, _body, timeoutMs) => {
    calls.push({ url, timeoutMs });
    const next = answers.shift() ?? 200;
    if (typeof next === "object" && !(next instanceof Error)) {
      now += next.after;
      if (next.then instanceof Error) throw next.then;
      return next.then;
    }
    if (next instanceof Error) throw next;
    return next;
  };
  const deps: DeliveryDeps = { post, sleep: async (ms) => void (sleeps.push(ms), (now += ms)), now: () => now };
  return { deps, sleeps, calls };
}

const BUDGET: RetryBudget = { attempts: 3, backoffMs: [500, 2000], attemptTimeoutMs: 5000, totalMs: 15_000 };
const REQUEST = { url: "https://hooks.example.com/x", headers: {}, body: "{}" };
const refused = () => Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });

describe("deliver", () => {
  it.each<[number, boolean]>([
    [200, false],
    [302, false],
    [400, false],
    [401, false],
    [404, false],
    [408, true],
    [429, true],
    [500, true],
    [503, true],
  ])("HTTP %s is retried: %s", (status, expected) => {
    expect(retryable(status)).toBe(expected);
  });

  it("stops at the first 2xx", async () => {
    const { deps, sleeps } = fakeDeps([204]);
    expect(await deliver(REQUEST, BUDGET, deps)).toEqual({ ok: true, attempts: 1, status: 204 });
    expect(sleeps).toEqual([]);
  });

  it("retries 5xx and network errors with growing pauses, then succeeds", async () => {
    const { deps, sleeps } = fakeDeps([503, refused(), 200]);
    expect(await deliver(REQUEST, BUDGET, deps)).toEqual({ ok: true, attempts: 3, status: 200 });
    expect(sleeps).toEqual([500, 2000]);
  });

  it("gives up after the attempts, saying why", async () => {
    const { deps } = fakeDeps([500, 500, 500, 200]);
    expect(await deliver(REQUEST, BUDGET, deps)).toEqual({ ok: false, attempts: 3, status: 500, error: "HTTP 500" });
  });

  it("does not retry what will not change (4xx, a redirect)", async () => {
    const { deps, calls } = fakeDeps([404]);
    expect(await deliver(REQUEST, BUDGET, deps)).toMatchObject({ ok: false, attempts: 1, status: 404 });
    expect(calls).toHaveLength(1);
    const redirect = fakeDeps([301]);
    expect(await deliver(REQUEST, BUDGET, redirect.deps)).toMatchObject({ ok: false, attempts: 1, status: 301 });
  });

  it("keeps to the total time budget: no pause that would end past it, and attempts get only what is left", async () => {
    const { deps, calls } = fakeDeps([{ after: 4000, then: 500 }, { after: 5000, then: 500 }, 200]);
    const result = await deliver(
      REQUEST,
      { attempts: 5, backoffMs: [1000, 4000], attemptTimeoutMs: 5000, totalMs: 12_000 },
      deps,
    );
    // 4000 (1st) + 1000 pause + 5000 (2nd) = 10000; a 4000 pause would end past 12000.
    expect(result).toEqual({ ok: false, attempts: 2, status: 500, error: "HTTP 500; retry budget of 12000 ms spent" });
    expect(calls.map((c) => c.timeoutMs)).toEqual([5000, 5000]);
  });

  it("names a timeout as such", async () => {
    const timeout = Object.assign(new Error("no answer"), { name: "TimeoutError" });
    const { deps } = fakeDeps([timeout, timeout, timeout]);
    expect(await deliver(REQUEST, BUDGET, deps)).toMatchObject({ ok: false, attempts: 3, error: "timed out" });
  });
});

describe("httpPost over loopback", () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
    server = createServer(handler);
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  }

  it("sends the body and headers as given, with its length, and answers with the status", async () => {
    let seen: { body: string; headers: Record<string, unknown> } | undefined;
    const url = await serve((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        seen = { body, headers: req.headers };
        res.writeHead(202).end("ignored");
      });
    });
    expect(
      await httpPost({ allowLoopback: true })(
        url,
        { "content-type": "application/json", "x-test": "1" },
        '{"a":"é"}',
        2000,
      ),
    ).toBe(202);
    expect(seen).toMatchObject({ body: '{"a":"é"}', headers: { "x-test": "1", "content-length": "10" } });
  });

  it("gives up on a receiver that never answers", async () => {
    const url = await serve(() => {});
    await expect(httpPost({ allowLoopback: true })(url, {}, "{}", 100)).rejects.toMatchObject({ name: "TimeoutError" });
    server!.closeAllConnections();
  });
});
