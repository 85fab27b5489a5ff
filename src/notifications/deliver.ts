import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { addressProblem, type AddressRules } from "./address-policy.js";

/** How hard one notification is tried: a few attempts, growing pauses, and a bound on the whole. */
export interface RetryBudget {
  readonly attempts: number;
  /** Pause before the 2nd, 3rd... attempt; the last value repeats. */
  readonly backoffMs: readonly number[];
  /** One attempt may take this long, from the first byte sent to the last received, before it is abandoned. */
  readonly attemptTimeoutMs: number;
  /** Everything, pauses included, ends within this. */
  readonly totalMs: number;
}

export const DEFAULT_RETRY_BUDGET: RetryBudget = {
  attempts: 3,
  backoffMs: [500, 2000],
  attemptTimeoutMs: 5000,
  totalMs: 15_000,
};

export interface DeliveryRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface DeliveryResult {
  readonly ok: boolean;
  readonly attempts: number;
  /** The last HTTP status, when there was an answer. */
  readonly status?: number;
  /** Why the last attempt failed. */
  readonly error?: string;
}

/** One POST: resolves with the status, rejects on a network error or after `timeoutMs`. */
export type Post = (
  url: string,
  headers: Readonly<Record<string, string>>,
  body: string,
  timeoutMs: number,
) => Promise<number>;

export interface DeliveryDeps {
  readonly post: Post;
  readonly sleep: (ms: number) => Promise<unknown>;
  readonly now: () => number;
}

/** A DNS lookup that refuses, before any connection, every answer the rules do not allow. */
export function guardedLookup(rules: AddressRules, resolve: typeof dnsLookup = dnsLookup): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, "", 0);
      const problem = addresses.map((a) => addressProblem(a.address, rules)).find((p) => p !== null);
      if (problem)
        return callback(
          Object.assign(new Error(`${hostname} resolves to ${problem}`), { code: "ESINKADDRESS" }),
          "",
          0,
        );
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0]!;
      return callback(null, first.address, first.family);
    });
  };
}

/**
 * node:http(s), not fetch: no global dispatcher to share, redirects never followed, the answer's
 * body discarded. The address is checked where the connection is made (a literal IP before it, a
 * name in the lookup), and `timeoutMs` is a hard deadline for the whole attempt: a sink that
 * answers one byte at a time is never idle, so an idle timeout would hold it for ever.
 */
export function httpPost(rules: AddressRules): Post {
  return (url, headers, body, timeoutMs) =>
    new Promise((resolve, reject) => {
      const target = new URL(url);
      const host = target.hostname.replace(/^\[|\]$/g, "");
      const literal = isIP(host) !== 0 ? addressProblem(host, rules) : null;
      if (literal) return reject(Object.assign(new Error(literal), { code: "ESINKADDRESS" }));
      const send = target.protocol === "https:" ? httpsRequest : httpRequest;
      const req = send(
        target,
        {
          method: "POST",
          headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
          lookup: guardedLookup(rules),
        },
        (res) => {
          res.resume();
          res.on("end", () => {
            clearTimeout(deadline);
            resolve(res.statusCode ?? 0);
          });
          res.on("error", reject);
        },
      );
      const deadline = setTimeout(
        () =>
          req.destroy(Object.assign(new Error(`no complete answer within ${timeoutMs} ms`), { name: "TimeoutError" })),
        timeoutMs,
      );
      req.on("error", (error) => {
        clearTimeout(deadline);
        reject(error);
      });
      req.on("close", () => clearTimeout(deadline));
      req.end(body);
    });
}

/** Real delivery under the given address rules. */
export function deliveryDeps(rules: AddressRules): DeliveryDeps {
  return { post: httpPost(rules), sleep: (ms) => sleep(ms), now: () => Date.now() };
}

const realDeps: DeliveryDeps = deliveryDeps({ allowLoopback: false });

/** Whether an answer is worth another try: the receiver may recover from these. */
export function retryable(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/**
 * POSTs one body, retrying network errors, timeouts, 408/425/429 and 5xx within the budget. Never
 * throws: the result says what happened. Redirects are not followed (a sink answers where it is).
 */
export async function deliver(
  request: DeliveryRequest,
  budget: RetryBudget = DEFAULT_RETRY_BUDGET,
  deps: DeliveryDeps = realDeps,
): Promise<DeliveryResult> {
  const deadline = deps.now() + budget.totalMs;
  let last: DeliveryResult = { ok: false, attempts: 0, error: "not attempted" };
  for (let attempt = 1; attempt <= budget.attempts; attempt++) {
    if (attempt > 1) {
      const pause = budget.backoffMs[Math.min(attempt - 2, budget.backoffMs.length - 1)] ?? 0;
      if (deps.now() + pause >= deadline)
        return { ...last, error: `${last.error ?? "failed"}; retry budget of ${budget.totalMs} ms spent` };
      await deps.sleep(pause);
    }
    const remaining = deadline - deps.now();
    if (remaining <= 0)
      return { ...last, error: `${last.error ?? "failed"}; retry budget of ${budget.totalMs} ms spent` };
    try {
      const status = await deps.post(
        request.url,
        request.headers,
        request.body,
        Math.min(budget.attemptTimeoutMs, remaining),
      );
      if (status >= 200 && status < 300) return { ok: true, attempts: attempt, status };
      last = { ok: false, attempts: attempt, status, error: `HTTP ${status}` };
      if (!retryable(status)) return last;
    } catch (error) {
      last = { ok: false, attempts: attempt, error: describe(error) };
    }
  }
  return last;
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === "TimeoutError" || error.name === "AbortError") return "timed out";
    if ((error as { code?: string }).code === "ESINKADDRESS") return `address refused: ${error.message}`;
    return (error as { code?: string }).code ?? error.message;
  }
  return String(error);
}
