import type { Notifier } from "../notifications/notifier.js";
import type { EnvironmentRun } from "../report/environment-run.js";
import type { RefJob } from "./ref-job.js";

/**
 * What promotion, approvals, the failure policy and notifications need beyond the engine's
 * runtime. Built once by the app (src/index.ts) and handed to the engine through `Runtime.promotion`.
 */
export interface PromotionServices {
  readonly notifier: Notifier;
  /** This App's id: evidence (check runs) is trusted only when this App wrote it. */
  readonly appId: () => Promise<number>;
  /** Queues a job in its environment's lane (a rollback is such a job). */
  readonly submit: (job: RefJob) => void;
  /** "Look at this run now": after an approval is answered, the check run need not wait for the next poll. */
  readonly nudge: (pipeline: string, executionId: string) => void;
  /** Runs this process follows, by `pipeline/executionId`: an approval answered here is recorded on its check run at once. */
  readonly liveRuns: Map<string, EnvironmentRun>;
}
