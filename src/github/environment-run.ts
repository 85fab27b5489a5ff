import type { RunStatus } from "../aws/pipelines.js";
import type { RunDetails } from "../aws/run-details.js";
import { environmentLabel } from "../core/environment.js";
import { createDeployment, findDeployment, setDeploymentStatus, type DeploymentState } from "./deployments.js";
import type { EnvironmentCheck } from "./environment-check.js";
import { executionUrl } from "./console-links.js";
import type { InstallationOctokit } from "./octokit.js";

/**
 * One pipeline run as GitHub shows it: the commit's check run, stage by stage, and a deployment of
 * the commit to the environment (GitHub's who/what/where/when ledger).
 */
export class EnvironmentRun {
  private deploymentId: number | null = null;

  constructor(
    private readonly octokit: InstallationOctokit,
    readonly check: EnvironmentCheck,
    readonly pipeline: string,
    readonly executionId: string,
    private readonly environmentUrl: string | undefined,
    private readonly onError: (error: unknown, what: string) => void,
  ) {}

  get key(): string {
    return `${this.pipeline}/${this.executionId}`;
  }

  /**
   * Records the deployment as in progress: a new one for a run just started (`fresh`), or, for a run
   * taken up again, the one an earlier process made.
   */
  /** `appId`: branchline's App, whose deployment of this execution is taken up again (another writer's never is). */
  async started(creator: string, options: { readonly fresh: boolean; readonly appId?: number | undefined } = { fresh: false }): Promise<void> {
    const { target } = this.check;
    const environment = environmentLabel(target.environment);
    const rollback = target.rollback;
    try {
      this.deploymentId =
        (options.fresh ? null : await findDeployment(this.octokit, target.repo, target.commit, environment, this.executionId, options.appId)) ??
        (await createDeployment(this.octokit, target.repo, {
          commit: target.commit,
          environment,
          transient: target.environment.kind === "branch",
          production: target.environment.kind === "production",
          description: rollback
            ? `Rollback to ${target.commit.slice(0, 12)} after ${rollback.fromCommit.slice(0, 12)} failed (branchline run ${this.executionId})`
            : `branchline run ${this.executionId} (${creator})`,
          payload: {
            stack: target.names.stack,
            pipeline: this.pipeline,
            executionId: this.executionId,
            ...(rollback ? { rollbackOf: rollback.fromCommit } : {}),
          },
        }));
      await setDeploymentStatus(this.octokit, target.repo, this.deploymentId, {
        state: "in_progress",
        description: `pipeline ${this.pipeline} running`,
        logUrl: executionUrl(target, this.pipeline, this.executionId),
      });
    } catch (error) {
      // The ledger must never stop a deployment: the run goes on, and the log says what is missing.
      this.onError(error, "could not record the deployment");
    }
  }

  async progress(run: RunDetails): Promise<void> {
    await this.check.show({ kind: "running", pipeline: this.pipeline, executionId: this.executionId, run });
  }

  async finished(run: RunDetails): Promise<void> {
    await this.check.show({ kind: "finished", pipeline: this.pipeline, executionId: this.executionId, status: run.status, detail: run.summary, run });
    if (this.deploymentId === null) return;
    const { target } = this.check;
    try {
      await setDeploymentStatus(this.octokit, target.repo, this.deploymentId, {
        state: deploymentState(run.status),
        description: `pipeline ${this.pipeline}: ${run.status}`,
        logUrl: executionUrl(target, this.pipeline, this.executionId),
        ...(run.status === "Succeeded" && this.environmentUrl ? { environmentUrl: this.environmentUrl } : {}),
      });
    } catch (error) {
      this.onError(error, "could not record the deployment's outcome");
    }
  }
}

export function deploymentState(status: RunStatus): DeploymentState {
  switch (status) {
    case "Succeeded":
      return "success";
    case "Failed":
      return "failure";
    // Overtaken or interrupted: this commit is not what runs there, and it did not fail.
    case "Superseded":
    case "Cancelled":
    case "Stopped":
      return "inactive";
    case "Stopping":
    case "InProgress":
      return "in_progress";
  }
}
