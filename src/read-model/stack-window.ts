import type { StackEventRecord } from "./run-log.js";

/** The environment's stack changes just before its run starts (branchline updates, then starts). */
export const STACK_LEAD_MS = 2 * 60_000;

export interface RunWindow {
  /** When the run started (CodePipeline's start time of the execution). */
  readonly startedAt: Date;
  /** Its end, or now while it runs. */
  readonly endedAt: Date;
  /** When the pipeline's run before this one started; null when this is its first. */
  readonly previousStartedAt: Date | null;
}

/**
 * The environment stack's events that belong to one run, pure. Everything from the run's start to
 * its end happened while it ran. Before its start only the one stack operation that prepared it
 * counts: the newest operation (by the ClientRequestToken CloudFormation echoes on each of its
 * events) that ended in the lead before the run and after the previous run started. An update that
 * ended before the previous run started belongs to that run; events without a token cannot be
 * told apart, so none of them before the start are shown.
 */
export function runStackEvents(
  events: readonly StackEventRecord[],
  window: RunWindow,
  leadMs = STACK_LEAD_MS,
): StackEventRecord[] {
  const start = window.startedAt.getTime();
  const end = window.endedAt.getTime();
  const earliest = Math.max(start - leadMs, window.previousStartedAt ? window.previousStartedAt.getTime() : -Infinity);
  const at = (e: StackEventRecord) => e.at?.getTime() ?? NaN;
  const before = events.filter((e) => at(e) < start && at(e) >= start - leadMs && e.token);
  const newest = before.reduce<StackEventRecord | undefined>(
    (found, e) => (found === undefined || at(e) >= at(found) ? e : found),
    undefined,
  );
  const operation = newest !== undefined && at(newest) > earliest ? newest.token : undefined;
  return events.filter((e) => {
    const t = at(e);
    if (t >= start && t <= end) return true;
    return operation !== undefined && t < start && t >= start - leadMs && e.token === operation;
  });
}
