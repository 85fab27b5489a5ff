import { StackOperationFailed } from "../aws/stacks.js";
import type { BranchlineConfig } from "../config/schema.js";
import { environmentLabel, type Environment } from "../core/environment.js";
import { deactivateEnvironment } from "../github/deployments.js";
import type { InstallationOctokit } from "../github/octokit.js";
import { namesOf } from "./environment-names.js";
import { convergeStack } from "./converge-stack.js";
import type { RefJob } from "./ref-job.js";
import type { Runtime } from "./runtime.js";

/**
 * Tears an environment down completely: its buckets emptied (every version), then its stack deleted.
 * There is no commit to report on, so the outcome goes to the log, and the environment's newest
 * deployment becomes inactive: GitHub then shows the transient environment as destroyed. Without an
 * Octokit (a repository that is archived, deleted or no longer the App's) only the log says so.
 */
export async function destroyEnvironment(
  runtime: Runtime,
  octokit: InstallationOctokit | null,
  job: RefJob,
  config: Pick<BranchlineConfig, "stackPrefix">,
  environment: Environment,
): Promise<void> {
  const names = await namesOf(runtime, config.stackPrefix, job.repo, environment);
  const log = runtime.log.child({ stack: names.stack });
  const done: string[] = [];
  try {
    const result = await convergeStack(runtime, { repo: job.repo, environment, names, deliveryId: job.deliveryId }, null, {
      applied: (description) => void done.push(description),
    });
    if (result.kind === "refused") {
      log.warn({ why: result.why }, "environment not torn down");
      return;
    }
    const why = job.cause.kind === "retire" || job.cause.kind === "idle" ? job.cause.why : `${job.event.ref.name} was deleted`;
    log.info({ done, why }, done.length > 0 ? "environment torn down" : "environment had no stack");
    // Only a teardown that happened is recorded: a delete and a deleting push arrive as a pair.
    if (done.length > 0 && octokit) await deactivateEnvironment(octokit, job.repo, environmentLabel(environment), `torn down: ${why}`.slice(0, 140));
  } catch (error) {
    if (error instanceof StackOperationFailed) {
      log.error({ status: error.finalStatus, events: error.events }, error.message);
      return;
    }
    throw error;
  }
}
