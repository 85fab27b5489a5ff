import { setTimeout as sleep } from "node:timers/promises";
import { RunReader } from "../aws/run-details.js";
import type { EnvironmentRun } from "../report/environment-run.js";
import type { Runtime } from "./runtime.js";

interface Followed {
  /** Unset while the run is claimed but not yet followed (its start, or its taking up, is being recorded). */
  run: EnvironmentRun | undefined;
  /** Set by a nudge; a nudge that comes while the run is being read is kept, not lost. */
  nudged: boolean;
  wake: () => void;
}

/**
 * Follows started runs to their end, updating their check runs stage by stage. Pipeline events only
 * say "look at this run now" (`nudge`); polling covers runs whose events never come. It runs beside
 * the queue, so an environment is free for the next push while a pipeline runs for minutes.
 *
 * Single flight per execution: a run is claimed before anything is recorded for it, by the start
 * that made it (`start`) or by whoever takes it up (`claim`); while it is claimed, every other way
 * of finding it (an event, the reconciler, a second event) only nudges. So one execution gets one
 * deployment and one follower, however many times and ways it is announced.
 */
export class RunFollower {
  private readonly followed = new Map<string, Followed>();
  private readonly loops = new Set<Promise<void>>();
  /** Starts in flight, per pipeline: their executions are not known yet, so events for the pipeline wait for them. */
  private readonly starts = new Map<string, Set<Promise<unknown>>>();
  private readonly reader: RunReader;

  constructor(private readonly runtime: Runtime) {
    this.reader = new RunReader(runtime.aws.codepipeline);
  }

  /**
   * Starts a run and claims its execution before anyone else can hear of it. `claimed` is false when
   * the start gave back an execution already claimed here (a request token repeated): it is reported already.
   */
  start(
    pipeline: string,
    begin: () => Promise<string>,
  ): Promise<{ readonly executionId: string; readonly claimed: boolean }> {
    const started = begin().then((executionId) => ({ executionId, claimed: this.claim(pipeline, executionId) }));
    const inFlight = this.starts.get(pipeline) ?? new Set<Promise<unknown>>();
    this.starts.set(pipeline, inFlight);
    inFlight.add(started);
    const done = () => {
      inFlight.delete(started);
      if (inFlight.size === 0) this.starts.delete(pipeline);
    };
    started.then(done, done);
    return started;
  }

  /** Resolves when the starts in flight on a pipeline have their executions (or failed). */
  async startsSettled(pipeline: string): Promise<void> {
    const inFlight = this.starts.get(pipeline);
    if (inFlight) await Promise.allSettled([...inFlight]);
  }

  /** Claims an execution; false when it is claimed or followed already (then this is only a nudge). */
  claim(pipeline: string, executionId: string): boolean {
    const key = `${pipeline}/${executionId}`;
    if (this.followed.has(key)) return false;
    this.followed.set(key, { run: undefined, nudged: false, wake: () => {} });
    return true;
  }

  /** Gives up a claim that came to nothing (not our run, already reported, or its recording failed). */
  release(pipeline: string, executionId: string): void {
    const key = `${pipeline}/${executionId}`;
    if (this.followed.get(key)?.run === undefined) this.followed.delete(key);
  }

  follow(run: EnvironmentRun): void {
    const claimed = this.followed.get(run.key);
    if (claimed?.run !== undefined) return;
    const entry: Followed = claimed ?? { run, nudged: false, wake: () => {} };
    entry.run = run;
    this.followed.set(run.key, entry);
    const loop = this.poll(entry, run)
      .catch((error: unknown) => {
        this.runtime.log.error(
          { err: error, pipeline: run.pipeline, executionId: run.executionId },
          "could not report a pipeline run",
        );
      })
      .finally(() => {
        this.followed.delete(run.key);
        this.loops.delete(loop);
      });
    this.loops.add(loop);
  }

  /** Looks at a claimed or followed run now; false when this process has no claim on it. */
  nudge(pipeline: string, executionId: string): boolean {
    const entry = this.followed.get(`${pipeline}/${executionId}`);
    if (!entry) return false;
    entry.nudged = true;
    entry.wake();
    return true;
  }

  /** Runs claimed or followed now. */
  get size(): number {
    return this.followed.size;
  }

  isFollowing(pipeline: string, executionId: string): boolean {
    return this.followed.has(`${pipeline}/${executionId}`);
  }

  /** Resolves when every followed run has ended (or been given up). */
  async idle(): Promise<void> {
    while (this.loops.size > 0) await Promise.all([...this.loops]);
  }

  private async poll(entry: Followed, run: EnvironmentRun): Promise<void> {
    const { intervalMs, maxMs } = this.runtime.runPoll;
    const started = Date.now();
    let shown = "";
    let first = true;
    while (Date.now() - started < maxMs) {
      // The first look is at once: the run may have moved on before this process followed it.
      if (!first) await this.nextLook(entry, intervalMs);
      first = false;
      entry.nudged = false;
      let details;
      try {
        details = await this.reader.read(run.pipeline, run.executionId);
      } catch (error) {
        if (pipelineGone(error)) {
          // Deleted under the run (its stack torn down, or by hand): nothing more will happen, so the
          // report ends now instead of being polled for hours.
          await run.finished({
            status: "Cancelled",
            summary: `pipeline ${run.pipeline} was deleted while this run was in progress`,
            commit: undefined,
            trigger: undefined,
            stages: [],
          });
          return;
        }
        this.runtime.log.warn(
          { err: error, pipeline: run.pipeline, executionId: run.executionId },
          "could not read a pipeline run; trying again",
        );
        continue;
      }
      if (details.status !== "InProgress" && details.status !== "Stopping") {
        await run.finished(details);
        return;
      }
      // Write only when something a reader sees has changed: GitHub's write budget is small.
      const seen = JSON.stringify(details.stages.map((s) => s.actions.map((a) => a.status)));
      if (seen !== shown) {
        await run.progress(details);
        shown = seen;
      }
    }
    this.runtime.log.warn(
      { pipeline: run.pipeline, executionId: run.executionId },
      "stopped following a pipeline run that is still going; the reconciler reports it later",
    );
  }

  /** Waits for the poll interval, or less when a nudge came (or comes) in the meantime. */
  private nextLook(entry: Followed, intervalMs: number): Promise<void> {
    if (entry.nudged) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const abort = new AbortController();
      entry.wake = () => {
        abort.abort();
        resolve();
      };
      sleep(intervalMs, undefined, { signal: abort.signal }).then(resolve, () => {});
    });
  }
}

/** CodePipeline's answer for a pipeline or execution that no longer exists. */
function pipelineGone(error: unknown): boolean {
  const name = (error as { name?: string } | null)?.name;
  return name === "PipelineNotFoundException" || name === "PipelineExecutionNotFoundException";
}
