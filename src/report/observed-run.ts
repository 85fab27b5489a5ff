import type { RunDetails } from "../core/run-snapshot.js";
import type { EnvironmentCheck } from "./environment-check.js";
import { EnvironmentRun } from "./environment-run.js";
import type { InstallationOctokit } from "../github/octokit.js";

/** What else happens as a run goes: notifications, approvals, the failure policy (src/engine/run-hooks.ts). */
export interface RunHooks {
  /** `fresh`: started here just now; otherwise taken up (after a restart, from an event) and announced before. */
  started?(run: ObservedRun, how: { readonly fresh: boolean }): Promise<void>;
  progress?(run: ObservedRun, details: RunDetails): Promise<void>;
  /**
   * Before the check run shows the end, so what it records appears in that same update; returns
   * what to do once the end is shown (notify, queue a rollback).
   */
  finishing?(run: ObservedRun, details: RunDetails): Promise<(() => Promise<void>) | void>;
}

/**
 * An EnvironmentRun with hooks. A rollback run (its target says so) gets a deployment of its own,
 * even though its commit was deployed before: the ledger shows the rollback as what it is.
 * A hook that fails is logged and never stops the reporting of the run.
 */
export class ObservedRun extends EnvironmentRun {
  constructor(
    private readonly github: InstallationOctokit,
    check: EnvironmentCheck,
    pipeline: string,
    executionId: string,
    environmentUrl: string | undefined,
    private readonly warn: (error: unknown, what: string) => void,
    private readonly hooks: RunHooks,
  ) {
    super(github, check, pipeline, executionId, environmentUrl, warn);
  }

  override async started(
    creator: string,
    options: { readonly fresh: boolean; readonly appId?: number | undefined } = { fresh: false },
  ): Promise<void> {
    await super.started(creator, options);
    await this.safely("started", () => this.hooks.started?.(this, options));
  }

  override async progress(details: RunDetails): Promise<void> {
    await super.progress(details);
    await this.safely("progress", () => this.hooks.progress?.(this, details));
  }

  override async finished(details: RunDetails): Promise<void> {
    let after: (() => Promise<void>) | void = undefined;
    // A failed run's policy reads the ledger (a rollback goes to the newest good deployment before
    // this one): this run's deployment must be in it first. A run that succeeded waits for nothing.
    if (details.status === "Failed") await this.recorded();
    await this.safely("finishing", async () => {
      after = await this.hooks.finishing?.(this, details);
    });
    await super.finished(details);
    const then = after as (() => Promise<void>) | void;
    if (then) await this.safely("finished", then);
  }

  private async safely(what: string, work: () => Promise<unknown> | undefined): Promise<void> {
    try {
      await work();
    } catch (error) {
      this.warn(error, `a run hook (${what}) failed`);
    }
  }
}
