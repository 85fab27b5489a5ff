import { setTimeout as sleep } from "node:timers/promises";
import { describeRun } from "../aws/pipelines.js";
import type { EnvironmentCheck } from "../github/environment-check.js";
import type { Runtime } from "./runtime.js";

/**
 * Follows started runs until they end and completes their check runs. It runs beside the lanes, so
 * a lane is free for the next push while a pipeline runs for minutes.
 */
export class RunFollower {
  private readonly following = new Set<Promise<void>>();

  constructor(private readonly runtime: Runtime) {}

  follow(check: EnvironmentCheck, pipeline: string, executionId: string): void {
    const followed = this.poll(check, pipeline, executionId).catch((error: unknown) => {
      this.runtime.log.error({ err: error, pipeline, executionId }, "could not report the end of a pipeline run");
    });
    this.following.add(followed);
    void followed.finally(() => this.following.delete(followed));
  }

  /** Resolves when every followed run has ended (or been given up). */
  async idle(): Promise<void> {
    while (this.following.size > 0) await Promise.all([...this.following]);
  }

  private async poll(check: EnvironmentCheck, pipeline: string, executionId: string): Promise<void> {
    const { intervalMs, maxMs } = this.runtime.runPoll;
    const started = Date.now();
    while (Date.now() - started < maxMs) {
      await sleep(intervalMs);
      let run;
      try {
        run = await describeRun(this.runtime.aws.codepipeline, pipeline, executionId);
      } catch (error) {
        this.runtime.log.warn({ err: error, pipeline, executionId }, "could not read a pipeline run; trying again");
        continue;
      }
      if (run.status === "InProgress" || run.status === "Stopping") continue;
      await check.show({ kind: "finished", pipeline, executionId, status: run.status, detail: run.summary });
      return;
    }
    this.runtime.log.warn({ pipeline, executionId }, "stopped following a pipeline run that is still going; the reconciler reports it later");
  }
}
