import { describeStack, StackOperationFailed } from "../aws/stacks.js";
import { tearDownApplications, type ApplicationTeardown } from "../aws/teardown.js";
import type { BranchlineConfig } from "../config/schema.js";
import { environmentLabel, type Environment } from "../core/environment.js";
import { deactivateEnvironment } from "../github/deployments.js";
import type { InstallationOctokit } from "../github/octokit.js";
import { namesOf } from "./environment-names.js";
import { convergeStack, observe } from "./converge-stack.js";
import { requestToken, type RefJob } from "./ref-job.js";
import { awsFor, ownAppId, type Runtime } from "./runtime.js";

/**
 * Tears an environment down completely: the application stacks its pipeline deployed first, while
 * their deploy role (in the pipeline stack) exists, then the pipeline stack's buckets emptied (every
 * version) and the stack deleted, then a last look for an application stack a run still in flight
 * made meanwhile. Each step looks at what is there, so a teardown cut off at any point resumes.
 * There is no commit to report on, so the outcome goes to the log, and the environment's newest
 * deployment becomes inactive: GitHub then shows the transient environment as destroyed. Without an
 * Octokit (a repository that is archived, deleted or no longer the App's) only the log says so.
 */
export async function destroyEnvironment(
  runtime: Runtime,
  octokit: InstallationOctokit | null,
  job: RefJob,
  config: Pick<BranchlineConfig, "stackPrefix"> & { readonly roles?: BranchlineConfig["roles"] },
  environment: Environment,
): Promise<void> {
  const names = await namesOf(runtime, config.stackPrefix, job.repo, environment);
  const log = runtime.log.child({ stack: names.stack });
  const done: string[] = [];
  const target = { repo: job.repo, environment, names, deliveryId: job.deliveryId };
  try {
    const aws = awsFor(runtime, environment.kind);
    const found = await describeStack(aws.cloudformation, names.stack);
    // Only the environment's own pipeline stack is asked which application it deployed.
    const pipeline = found && observe(found, target)?.ownedByEnvironment ? found : null;
    const applications: ApplicationTeardown = {
      cfn: aws.cloudformation,
      s3: aws.s3,
      pipelineStack: names.stack,
      pipeline,
      fallbackRole: config.roles?.[environment.kind],
      token: (step) => requestToken(job.deliveryId, step),
      wait: runtime.stackWait,
    };
    done.push(...(await tearDownApplications(applications)));
    const result = await convergeStack(runtime, target, null, {
      applied: (description) => void done.push(description),
    });
    if (result.kind === "refused") {
      log.warn({ why: result.why }, "environment not torn down");
      return;
    }
    done.push(
      ...(await tearDownApplications({
        ...applications,
        pipeline: null,
        token: (step) => requestToken(job.deliveryId, `after-${step}`),
      })),
    );
    const why =
      job.cause.kind === "retire" || job.cause.kind === "idle" ? job.cause.why : `${job.event.ref.name} was deleted`;
    log.info({ done, why }, done.length > 0 ? "environment torn down" : "environment had no stack");
    // Only a teardown that happened is recorded: a delete and a deleting push arrive as a pair.
    if (done.length > 0 && octokit)
      await deactivateEnvironment(
        octokit,
        job.repo,
        environmentLabel(environment),
        `torn down: ${why}`.slice(0, 140),
        await ownAppId(runtime),
      );
  } catch (error) {
    if (error instanceof StackOperationFailed) {
      log.error({ status: error.finalStatus, events: error.events }, error.message);
      return;
    }
    throw error;
  }
}
