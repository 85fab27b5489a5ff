import type { PipelineEvent } from "../aws/pipeline-events.js";
import { InProcessQueue } from "./in-process-queue.js";
import { resumeRun } from "./resume-run.js";
import { processRefJob } from "./process-ref-job.js";
import { laneKey, supersede, type RefJob } from "./ref-job.js";
import { RunFollower } from "./run-follower.js";
import type { Runtime } from "./runtime.js";
import {
  failureText,
  type Look,
  type LookOutcome,
  type LookReport,
  type OutcomeListener,
  type WorkQueue,
} from "./work-queue.js";

/**
 * The engine: webhook handlers submit jobs and return; the work queue (work-queue.ts) gives one look
 * per environment key at a time, with every job that arrived for it; the follower reports runs to
 * their end. The queue is the seam: in-process here, a distributed one (SQS FIFO) elsewhere.
 */
export class Engine {
  private readonly queue: WorkQueue<RefJob>;
  private readonly follower: RunFollower;
  private readonly listeners = new Set<(report: LookReport<RefJob>) => void>();

  /**
   * `queue`: the in-process queue when unset; a queue; or a factory given the engine's outcome
   * listener (the SQS queue is built that way, so its outcomes reach `onOutcome` as in-process ones do).
   */
  constructor(
    private readonly runtime: Runtime,
    queue?: WorkQueue<RefJob> | ((onOutcome: OutcomeListener<RefJob>) => WorkQueue<RefJob>),
  ) {
    this.follower = new RunFollower(runtime);
    this.queue =
      (typeof queue === "function" ? queue((report) => this.reported(report)) : queue) ??
      new InProcessQueue<RefJob>({
        concurrency: runtime.concurrency,
        ...(runtime.debounce ? { debounce: runtime.debounce } : {}),
        // A failed look is not retried in-process: the reconciler's next pass looks again.
        maxAttempts: 1,
        onOutcome: (report) => this.reported(report),
      });
    this.queue.start((look) => this.look(look));
  }

  submit(job: RefJob): void {
    this.queue
      .submit(laneKey(job), job)
      .catch((error: unknown) =>
        this.runtime.log.error({ err: error, delivery: job.deliveryId }, "could not queue a job"),
      );
  }

  /** Every look's outcome, as it happens (the CLI's gc and tests listen); returns the unsubscribe. */
  onOutcome(listener: (report: LookReport<RefJob>) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Takes up the reporting of a run (the reconciler's "resume"). */
  resume(pipeline: string, executionId: string): Promise<unknown> {
    return resumeRun(this.runtime, this.follower, pipeline, executionId);
  }

  /** A pipeline event: look at that run now, taking up its reporting if no one here follows it. */
  pipelineEvent(event: PipelineEvent): void {
    if (this.follower.nudge(event.pipeline, event.executionId)) return;
    resumeRun(this.runtime, this.follower, event.pipeline, event.executionId).then(
      (outcome) =>
        this.runtime.log.debug({ pipeline: event.pipeline, executionId: event.executionId, outcome }, "pipeline event"),
      (error: unknown) =>
        this.runtime.log.warn(
          { err: error, pipeline: event.pipeline },
          "could not take up a pipeline run from its event",
        ),
    );
  }

  get pending(): { running: number; waiting: number; following: number; writes: number } {
    return { ...this.queue.size, following: this.follower.size, writes: this.runtime.outbox?.backlog ?? 0 };
  }

  /** Resolves when every look has been made and every followed run has ended: for tests and shutdown. */
  async idle(): Promise<void> {
    // A run that ends can queue more work (a rollback), so look again until both are quiet.
    do {
      await this.queue.idle();
      await this.follower.idle();
      await this.runtime.outbox?.drained();
    } while (this.queue.size.running + this.queue.size.waiting > 0 || (this.runtime.outbox?.backlog ?? 0) > 0);
  }

  /** One look at an environment: the newest job goes, carrying the ones it coalesced. */
  private async look({ causes }: Look<RefJob>): Promise<LookOutcome> {
    const job = coalesce(causes);
    try {
      await processRefJob(this.runtime, this.follower, job);
      return { kind: "done", summary: `${job.event.kind} ${job.event.ref.name}` };
    } catch (error) {
      this.runtime.log.error(
        { err: error, delivery: job.deliveryId, ref: job.event.ref.name },
        "a job failed; the reconciler will retry it",
      );
      return { kind: "failed", error: failureText(error), retry: false };
    }
  }

  private reported(report: LookReport<RefJob>): void {
    for (const listener of this.listeners) {
      try {
        listener(report);
      } catch (error) {
        this.runtime.log.warn({ err: error }, "an outcome listener failed");
      }
    }
  }
}

/** The newest job of a look, remembering the older ones so their commits can be told they were superseded. */
export function coalesce(jobs: readonly RefJob[]): RefJob {
  const [first, ...rest] = jobs;
  if (!first) throw new Error("a look without causes");
  return rest.reduce(supersede, first);
}
