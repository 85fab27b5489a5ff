import { setTimeout as sleep } from "node:timers/promises";
import { RunReader } from "../aws/run-details.js";
import type { EnvironmentRun } from "../github/environment-run.js";
import type { Runtime } from "./runtime.js";

interface Followed {
  readonly run: EnvironmentRun;
  /** Set by a nudge; a nudge that comes while the run is being read is kept, not lost. */
  nudged: boolean;
  wake: () => void;
}

/**
 * Follows started runs to their end, updating their check runs stage by stage. Pipeline events only
 * say "look at this run now" (`nudge`); polling covers runs whose events never come. It runs beside
 * the lanes, so a lane is free for the next push while a pipeline runs for minutes.
 */
export class RunFollower {
  private readonly followed = new Map<string, Followed>();
  private readonly loops = new Set<Promise<void>>();
  private readonly reader: RunReader;

  constructor(private readonly runtime: Runtime) {
    this.reader = new RunReader(runtime.aws.codepipeline);
  }

  follow(run: EnvironmentRun): void {
    if (this.followed.has(run.key)) return;
    const entry: Followed = { run, nudged: false, wake: () => {} };
    this.followed.set(run.key, entry);
    const loop = this.poll(entry)
      .catch((error: unknown) => {
        this.runtime.log.error({ err: error, pipeline: run.pipeline, executionId: run.executionId }, "could not report a pipeline run");
      })
      .finally(() => {
        this.followed.delete(run.key);
        this.loops.delete(loop);
      });
    this.loops.add(loop);
  }

  /** Looks at a followed run now; false when this process does not follow it. */
  nudge(pipeline: string, executionId: string): boolean {
    const entry = this.followed.get(`${pipeline}/${executionId}`);
    if (!entry) return false;
    entry.nudged = true;
    entry.wake();
    return true;
  }

  isFollowing(pipeline: string, executionId: string): boolean {
    return this.followed.has(`${pipeline}/${executionId}`);
  }

  /** Resolves when every followed run has ended (or been given up). */
  async idle(): Promise<void> {
    while (this.loops.size > 0) await Promise.all([...this.loops]);
  }

  private async poll(entry: Followed): Promise<void> {
    const { run } = entry;
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
        this.runtime.log.warn({ err: error, pipeline: run.pipeline, executionId: run.executionId }, "could not read a pipeline run; trying again");
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
    this.runtime.log.warn({ pipeline: run.pipeline, executionId: run.executionId }, "stopped following a pipeline run that is still going; the reconciler reports it later");
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
