/**
 * Why a running execution must end early. Each reason has its own final status: superseded by
 * a newer execution, cancelled by a structure update, stopped by StopPipelineExecution (abandon),
 * or the pipeline deleted.
 */
export type InterruptReason = "superseded" | "cancelled" | "abandoned" | "deleted";

export class Interrupted extends Error {
  constructor(readonly reason: InterruptReason) {
    super(`execution ${reason}`);
  }
}

/** Lets an execution's waits (timers, approvals, stage gates) be cut short from outside. */
export class Lifeline {
  private interruption: InterruptReason | undefined;
  private readonly listeners = new Set<(reason: InterruptReason) => void>();
  /** StopPipelineExecution without abandon: finish what runs, start nothing new. */
  stopRequested = false;

  get reason(): InterruptReason | undefined {
    return this.interruption;
  }

  interrupt(reason: InterruptReason): void {
    if (this.interruption) return;
    this.interruption = reason;
    for (const listener of [...this.listeners]) listener(reason);
    this.listeners.clear();
  }

  /** Resolves as `promise` does, or rejects with Interrupted when the execution is interrupted first. */
  guard<T>(promise: Promise<T>): Promise<T> {
    if (this.interruption) return Promise.reject(new Interrupted(this.interruption));
    return new Promise<T>((resolve, reject) => {
      const onInterrupt = (reason: InterruptReason) => reject(new Interrupted(reason));
      this.listeners.add(onInterrupt);
      promise.then(
        (value) => {
          this.listeners.delete(onInterrupt);
          resolve(value);
        },
        (error: unknown) => {
          this.listeners.delete(onInterrupt);
          reject(error);
        },
      );
    });
  }
}
