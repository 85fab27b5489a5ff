import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { setTimeout as sleep } from "node:timers/promises";

/** How hard one notification is tried: a few attempts, growing pauses, and a bound on the whole. */
export interface RetryBudget {
  readonly attempts: number;
  /** Pause before the 2nd, 3rd... attempt; the last value repeats. */
  readonly backoffMs: readonly number[];
  /** One attempt may take this long before it is abandoned. */
  readonly attemptTimeoutMs: number;
  /** Everything, pauses included, ends within this. */
  readonly totalMs: number;
}

export const DEFAULT_RETRY_BUDGET: RetryBudget = { attempts: 3, backoffMs: [500, 2000], attemptTimeoutMs: 5000, totalMs: 15_000 };

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
export type Post = (url: string, headers: Readonly<Record<string, string>>, body: string, timeoutMs: number) => Promise<number>;

export interface DeliveryDeps {
  readonly post: Post;
  readonly sleep: (ms: number) => Promise<unknown>;
  readonly now: () => number;
}

/** node:http(s), not fetch: no global dispatcher to share, redirects never followed, the answer's body discarded. */
export const httpPost: Post = (url, headers, body, timeoutMs) =>
  new Promise((resolve, reject) => {
    const target = new URL(url);
    const send = target.protocol === "https:" ? httpsRequest : httpRequest;
    const req = send(target, { method: "POST", headers: { ...headers, "content-length": String(Buffer.byteLength(body)) }, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { name: "TimeoutError" })));
    req.on("error", reject);
    req.end(body);
  });

const realDeps: DeliveryDeps = { post: httpPost, sleep: (ms) => sleep(ms), now: () => Date.now() };

/** Whether an answer is worth another try: the receiver may recover from these. */
export function retryable(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/**
 * POSTs one body, retrying network errors, timeouts, 408/425/429 and 5xx within the budget. Never
 * throws: the result says what happened. Redirects are not followed (a sink answers where it is).
 */
export async function deliver(request: DeliveryRequest, budget: RetryBudget = DEFAULT_RETRY_BUDGET, deps: DeliveryDeps = realDeps): Promise<DeliveryResult> {
  const deadline = deps.now() + budget.totalMs;
  let last: DeliveryResult = { ok: false, attempts: 0, error: "not attempted" };
  for (let attempt = 1; attempt <= budget.attempts; attempt++) {
    if (attempt > 1) {
      const pause = budget.backoffMs[Math.min(attempt - 2, budget.backoffMs.length - 1)] ?? 0;
      if (deps.now() + pause >= deadline) return { ...last, error: `${last.error ?? "failed"}; retry budget of ${budget.totalMs} ms spent` };
      await deps.sleep(pause);
    }
    const remaining = deadline - deps.now();
    if (remaining <= 0) return { ...last, error: `${last.error ?? "failed"}; retry budget of ${budget.totalMs} ms spent` };
    try {
      const status = await deps.post(request.url, request.headers, request.body, Math.min(budget.attemptTimeoutMs, remaining));
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
    return (error as { code?: string }).code ?? error.message;
  }
  return String(error);
}
