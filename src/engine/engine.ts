import type { PipelineEvent } from "../aws/pipeline-events.js";
import { Lanes } from "./lanes.js";
import { resumeRun } from "./resume-run.js";
import { processRefJob } from "./process-ref-job.js";
import { laneKey, supersede, type RefJob } from "./ref-job.js";
import { RunFollower } from "./run-follower.js";
import type { Runtime } from "./runtime.js";

/**
 * The in-process engine: webhook handlers submit jobs and return; lanes work them one per
 * environment; the follower reports runs to their end. This is the seam a distributed queue
 * (SQS FIFO, message group = lane) would replace.
 */
export class Engine {
  private readonly lanes: Lanes<RefJob>;
  private readonly follower: RunFollower;

  constructor(private readonly runtime: Runtime) {
    this.follower = new RunFollower(runtime);
    this.lanes = new Lanes<RefJob>(runtime.concurrency, {
      work: (job) => processRefJob(runtime, this.follower, job),
      supersede,
      failed: (job, error) =>
        runtime.log.error({ err: error, delivery: job.deliveryId, ref: job.event.ref.name }, "a job failed; the reconciler will retry it"),
    }, runtime.debounce);
  }

  submit(job: RefJob): void {
    this.lanes.submit(laneKey(job), job);
  }

  /** Takes up the reporting of a run (the reconciler's "resume"). */
  resume(pipeline: string, executionId: string): Promise<unknown> {
    return resumeRun(this.runtime, this.follower, pipeline, executionId);
  }

  /** A pipeline event: look at that run now, taking up its reporting if no one here follows it. */
  pipelineEvent(event: PipelineEvent): void {
    if (this.follower.nudge(event.pipeline, event.executionId)) return;
    resumeRun(this.runtime, this.follower, event.pipeline, event.executionId).then(
      (outcome) => this.runtime.log.debug({ pipeline: event.pipeline, executionId: event.executionId, outcome }, "pipeline event"),
      (error: unknown) => this.runtime.log.warn({ err: error, pipeline: event.pipeline }, "could not take up a pipeline run from its event"),
    );
  }

  get pending(): { running: number; waiting: number } {
    return this.lanes.size;
  }

  /** Resolves when every job has been worked and every followed run has ended: for tests and shutdown. */
  async idle(): Promise<void> {
    // A run that ends can queue more work (a rollback), so look again until both are quiet.
    do {
      await this.lanes.idle();
      await this.follower.idle();
    } while (this.lanes.size.running + this.lanes.size.waiting > 0);
  }
}
