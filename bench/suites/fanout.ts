import type { RateLimitRule } from "@branchline/aws-emulator";
import { createRef, pushToBranch } from "../../test/support/payloads.js";
import { round, row, runSuite, sha, smallTemplate, TEMPLATE_PATH, waitUntil, type Row } from "../lib/common.js";
import { githubDiff, isWrite, startInProcess, total } from "../lib/inprocess.js";

/**
 * 4. Fan-out. N branch creations at once (500; 100 with --quick), each as GitHub sends it (create
 * and push), against the emulator with AWS-like rate limits. Measured: the time until every one of
 * the N pipelines has a run started by branchline (StartPipelineExecution answered), next to the
 * bound the rate limits set; throttled responses (absorbed by the SDK's adaptive retries) apart from
 * failures (jobs that failed, check runs that did not reach a run).
 *
 * Rate limits (AWS publishes none for these APIs; each (service, operation) gets its own token
 * bucket, as the emulator models AWS's per-API throttling):
 *  - CloudFormation mutations (CreateChangeSet, ExecuteChangeSet, DeleteChangeSet, DeleteStack,
 *    UpdateTerminationProtection): 5/s, burst 10 — mutating calls are throttled hardest.
 *  - CloudFormation reads (DescribeStacks, DescribeChangeSet, ListStackResources...): 20/s, burst 40.
 *  - CodePipeline StartPipelineExecution: 10/s, burst 20; other CodePipeline calls: 20/s, burst 40.
 */

const MUTATIONS = [
  "CreateChangeSet",
  "ExecuteChangeSet",
  "DeleteChangeSet",
  "DeleteStack",
  "UpdateTerminationProtection",
  "ContinueUpdateRollback",
];
export const RATE_LIMITS: RateLimitRule[] = [
  { service: "cloudformation", ratePerSecond: 20, burst: 40 },
  ...MUTATIONS.map((operation) => ({ service: "cloudformation" as const, operation, ratePerSecond: 5, burst: 10 })),
  { service: "codepipeline", ratePerSecond: 20, burst: 40 },
  { service: "codepipeline", operation: "StartPipelineExecution", ratePerSecond: 10, burst: 20 },
];

/** The fewest calls of each limited operation one branch create needs before its run starts (see the economy suite). */
const MINIMUM_PER_CREATE: Record<string, number> = {
  "cloudformation.DescribeStacks": 2,
  "cloudformation.CreateChangeSet": 1,
  "cloudformation.DescribeChangeSet": 1,
  "cloudformation.ExecuteChangeSet": 1,
  "codepipeline.StartPipelineExecution": 1,
};

function limitOf(key: string): { rate: number; burst: number } {
  const [service, operation] = key.split(".");
  const rule =
    RATE_LIMITS.find((r) => r.service === service && r.operation === operation) ??
    RATE_LIMITS.find((r) => r.service === service && !r.operation)!;
  return { rate: rule.ratePerSecond, burst: rule.burst ?? rule.ratePerSecond };
}

/** Seconds the token buckets need to let `calls` of each operation through: the slowest operation decides. */
function rateBound(callsPerOperation: Record<string, number>): { seconds: number; by: string } {
  let worst = { seconds: 0, by: "" };
  for (const [key, calls] of Object.entries(callsPerOperation)) {
    const { rate, burst } = limitOf(key);
    const seconds = Math.max(0, calls - burst) / rate;
    if (seconds > worst.seconds) worst = { seconds, by: key };
  }
  return worst;
}

/** GitHub's write pace in the paced case, scaled down from Probot's 1 s per installation so the suite ends in minutes; the figures are ratios to the bound it sets. */
const GITHUB_WRITE_PACE_MS = 20;
/** The fewest GitHub writes a run needs under backlog (the outbox collapses the rest): its check run made, its deployment made, the deployment's outcome. */
const MINIMUM_WRITES_PER_RUN = 3;

interface Burst {
  readonly rows: Row[];
  readonly details: Record<string, unknown>;
  /** Seconds until every pipeline had a run started by branchline, or null if not within the limit. */
  readonly seconds: number | null;
}

/** N creates (create + push each) at once; GitHub's writes paced `paceMs` apart (0: unpaced); pipeline events on or off. */
async function burst(n: number, paceMs: number, limitSeconds: number, notes: string[], events = false): Promise<Burst> {
  const app = await startInProcess({
    emulator: { timing: "test", rateLimits: RATE_LIMITS },
    env: process.env.BRANCHLINE_CONCURRENCY ? { BRANCHLINE_CONCURRENCY: process.env.BRANCHLINE_CONCURRENCY } : {},
    ...(events ? { events: { unkind: true } } : {}),
  });
  const rows: Row[] = [];
  try {
    const template = smallTemplate();
    const branches = Array.from({ length: n }, (_, i) => `fan/${i}`);
    branches.forEach((branch, i) =>
      app.repo.file(sha("fan", i), TEMPLATE_PATH, template).branch(branch, sha("fan", i)),
    );
    await app.probot.auth(42);
    app.github.writes.release(paceMs);
    const githubFrom = app.github.model.requests.length;
    const started = Date.now();
    for (let i = 0; i < n; i++) {
      await app.deliver("create", createRef("branch", branches[i]!));
      await app.deliver("push", pushToBranch(branches[i]!, sha("fan", i), { created: true }));
    }
    const acceptedSeconds = (Date.now() - started) / 1000;
    const started_ = () => {
      const op = app.emulator.control.calls().services.codepipeline?.StartPipelineExecution;
      return op ? op.calls - op.throttled - op.serverErrors : 0;
    };
    const failedJobs = () => app.logs.filter((l) => l.includes("a job failed")).length;
    const failedChecks = () =>
      app.github.model.checkRuns.filter((c) => c.status === "completed" && c.conclusion === "failure").length;
    const allRunning = await waitUntil(
      () => started_() >= n || failedJobs() + failedChecks() + started_() >= n,
      limitSeconds * 1000,
      100,
    );
    const seconds = (Date.now() - started) / 1000;
    const report = app.emulator.control.calls();
    const perOperation: Record<string, { calls: number; throttled: number }> = {};
    for (const [service, operations] of Object.entries(report.services)) {
      for (const [operation, count] of Object.entries(operations))
        perOperation[`${service}.${operation}`] = { calls: count.calls, throttled: count.throttled };
    }
    const answered = Object.fromEntries(Object.entries(perOperation).map(([k, v]) => [k, v.calls - v.throttled]));
    const minimumBound = rateBound(
      Object.fromEntries(Object.entries(MINIMUM_PER_CREATE).map(([k, per]) => [k, per * n])),
    );
    const startPhase = Object.fromEntries(Object.entries(answered).filter(([k]) => k in MINIMUM_PER_CREATE));
    const asBuiltBound = rateBound(startPhase);
    const running = started_();
    // Every check run final: the end of the GitHub side, which the pace bounds.
    const finals = () => app.github.model.checkRuns.filter((c) => c.status === "completed").length;
    const allFinal = await waitUntil(() => finals() >= n, limitSeconds * 1000, 100);
    const finalSeconds = (Date.now() - started) / 1000;
    const github = githubDiff(app.github.model.requests, githubFrom);
    const writes = total(github, isWrite);
    const paceBound = (n * MINIMUM_WRITES_PER_RUN * paceMs) / 1000;
    const label = `${n} creates, concurrency ${app.concurrency}, GitHub ${paceMs > 0 ? `paced ${paceMs} ms/write` : "unpaced"}${events ? ", pipeline events on" : ""}`;
    rows.push(
      row({
        suite: "fanout",
        case: label,
        metric: "seconds until all pipelines run",
        value: allRunning ? round(seconds, 1) : `> ${limitSeconds} (${running}/${n} running)`,
        unit: "s",
        reference: round(minimumBound.seconds, 1),
      }),
    );
    rows.push(
      row({
        suite: "fanout",
        case: label,
        metric: "rate-limit bound, as built",
        value: round(asBuiltBound.seconds, 1),
        unit: "s",
        reference: round(minimumBound.seconds, 1),
      }),
    );
    rows.push(row({ suite: "fanout", case: label, metric: "throttled responses (retried)", value: report.throttled }));
    rows.push(
      row({
        suite: "fanout",
        case: label,
        metric: "failures (jobs + failed check runs)",
        value: failedJobs() + failedChecks(),
        target: "0",
        met: failedJobs() + failedChecks() === 0 && running >= n,
      }),
    );
    rows.push(
      row({
        suite: "fanout",
        case: label,
        metric: "GitHub writes per run",
        value: round(writes / n, 2),
        reference: MINIMUM_WRITES_PER_RUN,
      }),
    );
    if (paceMs > 0) {
      rows.push(
        row({
          suite: "fanout",
          case: label,
          metric: "seconds until every check run is final",
          value: allFinal ? round(finalSeconds, 1) : `> ${limitSeconds} (${finals()}/${n})`,
          unit: "s",
          reference: round(paceBound, 1),
        }),
      );
      notes.push(
        `Fan-out: with GitHub paced ${paceMs} ms a write, ${n} runs need at least ${n} × ${MINIMUM_WRITES_PER_RUN} writes = ${round(paceBound, 1)} s of writes; at Probot's real 1 s a write that is ${round((n * MINIMUM_WRITES_PER_RUN) / 60, 0)} minutes.`,
      );
    }
    return {
      rows,
      seconds: allRunning ? seconds : null,
      details: {
        n,
        paceMs,
        concurrency: app.concurrency,
        rateLimits: RATE_LIMITS,
        acceptedSeconds,
        secondsUntilAllRunning: allRunning ? seconds : null,
        secondsUntilAllFinal: allFinal ? finalSeconds : null,
        running,
        failedJobs: failedJobs(),
        failedCheckRuns: failedChecks(),
        throttled: report.throttled,
        serverErrors: report.serverErrors,
        perOperation,
        minimumBound,
        asBuiltBound,
        perCreateAsBuilt: Object.fromEntries(Object.entries(startPhase).map(([k, v]) => [k, round(v / n)])),
        github: { calls: total(github), writes, writesPerRun: round(writes / n) },
      },
    };
  } finally {
    await app.close();
  }
}

await runSuite("fanout", async ({ quick, notes }) => {
  const n = quick ? 100 : 500;
  const limitSeconds = quick ? 100 : 240;
  const unpaced = await burst(n, 0, limitSeconds, notes);
  const paced = await burst(n, GITHUB_WRITE_PACE_MS, limitSeconds, notes);
  // EventBridge's events for every stage and action, duplicated and late, on top of the paced writes.
  const withEvents = await burst(n, GITHUB_WRITE_PACE_MS, limitSeconds, notes, true);
  const rows = [...unpaced.rows, ...paced.rows, ...withEvents.rows];
  if (unpaced.seconds !== null && paced.seconds !== null) {
    const ratio = paced.seconds / unpaced.seconds;
    rows.push(
      row({
        suite: "fanout",
        case: `${n} creates`,
        metric: "runs started, GitHub paced vs unpaced",
        value: round(ratio, 2),
        unit: "×",
        target: "≤ 1.5×",
        met: ratio <= 1.5,
      }),
    );
  }
  notes.push(
    'Fan-out: reference = the time the token buckets need for the minimum calls per create; "as built" uses the calls branchline actually made before the runs started.',
  );
  if (unpaced.seconds !== null && withEvents.seconds !== null) {
    const ratio = withEvents.seconds / unpaced.seconds;
    rows.push(
      row({
        suite: "fanout",
        case: `${n} creates`,
        metric: "runs started, paced with pipeline events vs unpaced",
        value: round(ratio, 2),
        unit: "×",
        target: "≤ 1.5×",
        met: ratio <= 1.5,
      }),
    );
  }
  return { rows, details: { unpaced: unpaced.details, paced: paced.details, withEvents: withEvents.details } };
});
