import { readFileSync } from "node:fs";

/**
 * The load generator: a process of its own, so the server under test shares nothing with it but the
 * machine. It reads a plan (deliveries already signed, a rate) from the JSON file named by its
 * argument, sends them open-loop (each at its due time, whether or not earlier ones were answered)
 * over keep-alive connections (Node's fetch, undici, keeps connections alive by default), and prints
 * one JSON line: each delivery's status and latency (from sending to the full response).
 *
 * `node dist/bench/load-generator.js PLAN.json`
 */

export interface PlannedDelivery {
  readonly id: string;
  readonly event: string;
  readonly body: string;
  readonly signature: string;
}

export interface LoadPlan {
  readonly url: string;
  /** Deliveries per second; the i-th is due at i / rate seconds. */
  readonly rate: number;
  readonly deliveries: readonly PlannedDelivery[];
  /** Per request: GitHub gives a delivery 10 s. */
  readonly timeoutMs?: number;
}

export interface DeliveryOutcome {
  readonly id: string;
  /** 0 when no response came (network error or timeout). */
  readonly status: number;
  readonly ms: number;
  /** How late it was sent compared with its due time: the generator's own lag. */
  readonly lagMs: number;
  readonly error?: string;
}

export interface LoadReport {
  readonly outcomes: DeliveryOutcome[];
  readonly durationMs: number;
}

async function send(plan: LoadPlan, delivery: PlannedDelivery, lagMs: number): Promise<DeliveryOutcome> {
  const started = performance.now();
  try {
    const response = await fetch(plan.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "GitHub-Hookshot/branchline-bench",
        "x-github-event": delivery.event,
        "x-github-delivery": delivery.id,
        "x-github-hook-id": "1",
        "x-hub-signature-256": delivery.signature,
      },
      body: delivery.body,
      signal: AbortSignal.timeout(plan.timeoutMs ?? 10_000),
    });
    await response.arrayBuffer();
    return { id: delivery.id, status: response.status, ms: performance.now() - started, lagMs };
  } catch (error) {
    return {
      id: delivery.id,
      status: 0,
      ms: performance.now() - started,
      lagMs,
      error: error instanceof Error ? error.message : String(error),
    };
  }
}

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) throw new Error("usage: load-generator PLAN.json");
  const plan = JSON.parse(readFileSync(file, "utf8")) as LoadPlan;
  // Warm-up, not measured: JIT the client path and open a pool of keep-alive connections (GET /ping,
  // which is no delivery), so a burst measures the server rather than connection set-up.
  const ping = new URL("/ping", plan.url);
  for (let round = 0; round < 3; round++) {
    await Promise.all(
      Array.from({ length: Math.min(32, plan.deliveries.length) }, () =>
        fetch(ping)
          .then((r) => r.arrayBuffer())
          .catch(() => undefined),
      ),
    );
  }
  const interval = 1000 / plan.rate;
  const pending: Promise<DeliveryOutcome>[] = [];
  const start = performance.now();
  for (let i = 0; i < plan.deliveries.length; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(send(plan, plan.deliveries[i]!, Math.max(0, performance.now() - due)));
  }
  const outcomes = await Promise.all(pending);
  const report: LoadReport = { outcomes, durationMs: performance.now() - start };
  // A pipe's write is asynchronous: exit only once the whole report is out.
  await new Promise<void>((resolve, reject) =>
    process.stdout.write(`${JSON.stringify(report)}\n`, (error) => (error ? reject(error) : resolve())),
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
