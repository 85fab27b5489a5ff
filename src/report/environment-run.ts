import type { RunStatus } from "../core/run-snapshot.js";
import type { RunDetails } from "../core/run-snapshot.js";
import { environmentLabel } from "../core/environment.js";
import {
  createDeployment,
  findDeployment,
  setDeploymentStatus,
  type DeploymentState,
  type DeploymentStatusRequest,
} from "../github/deployments.js";
import type { EnvironmentCheck } from "./environment-check.js";
import { executionUrl } from "./console-links.js";
import type { InstallationOctokit } from "../github/octokit.js";

/**
 * One pipeline run as GitHub shows it: the commit's check run, stage by stage, and a deployment of
 * the commit to the environment (GitHub's who/what/where/when ledger).
 */
export class EnvironmentRun {
  private deploymentId: number | null = null;
  /** The deployment's newest status, sent when its turn comes (a status that waited is replaced by a newer one). */
  private status: DeploymentStatusRequest | undefined;
  private fresh = false;
  private appId: number | undefined;
  private pending: Promise<unknown> = Promise.resolve();
  private creator = "";

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
   * taken up again, the one an earlier process made (`appId`: branchline's App; another writer's
   * deployment of the same execution is never taken up).
   */
  async started(
    creator: string,
    options: { readonly fresh: boolean; readonly appId?: number | undefined } = { fresh: false },
  ): Promise<void> {
    this.fresh = options.fresh;
    this.appId = options.appId;
    this.creator = creator;
    await this.record(
      {
        state: "in_progress",
        description: `pipeline ${this.pipeline} running`,
        logUrl: executionUrl(this.check.target, this.pipeline, this.executionId),
      },
      "could not record the deployment",
    );
  }

  async progress(run: RunDetails): Promise<void> {
    await this.check.show({ kind: "running", pipeline: this.pipeline, executionId: this.executionId, run });
  }

  async finished(run: RunDetails): Promise<void> {
    await this.check.show({
      kind: "finished",
      pipeline: this.pipeline,
      executionId: this.executionId,
      status: run.status,
      detail: run.summary,
      run,
    });
    // A run taken up that was never recorded as started has no deployment to end.
    if (this.status === undefined) return;
    await this.record(
      {
        state: deploymentState(run.status),
        description: `pipeline ${this.pipeline}: ${run.status}`,
        logUrl: executionUrl(this.check.target, this.pipeline, this.executionId),
        ...(run.status === "Succeeded" && this.environmentUrl ? { environmentUrl: this.environmentUrl } : {}),
      },
      "could not record the deployment's outcome",
    );
  }

  /**
   * Resolves once the deployment and its newest status are on GitHub: what reads the ledger (the
   * failure policy looks for the environment's newest deployment) must find this run's there.
   */
  async recorded(): Promise<void> {
    if (this.status !== undefined) await this.pending;
  }

  /** Queues the deployment's newest status in the check's outbox lane (or sends it now, without one). */
  private async record(status: DeploymentStatusRequest, what: string): Promise<void> {
    this.status = status;
    const send = async () => {
      try {
        await this.send();
      } catch (error) {
        // The ledger must never stop a deployment: the run goes on, and the log says what is missing.
        this.onError(error, what);
      }
    };
    const lane = this.check.lane;
    this.pending = lane ? lane.put(`deployment ${this.key}`, send) : send();
    if (!lane) await this.pending;
  }

  /** The deployment (found again or made, once) and its newest status. */
  private async send(): Promise<void> {
    const { target } = this.check;
    const environment = environmentLabel(target.environment);
    const rollback = target.rollback;
    this.deploymentId ??=
      (this.fresh
        ? null
        : await findDeployment(this.octokit, target.repo, target.commit, environment, this.executionId, this.appId)) ??
      (await createDeployment(this.octokit, target.repo, {
        commit: target.commit,
        environment,
        transient: target.environment.kind === "branch",
        production: target.environment.kind === "production",
        description: rollback
          ? `Rollback to ${target.commit.slice(0, 12)} after ${rollback.fromCommit.slice(0, 12)} failed (branchline run ${this.executionId})`
          : `branchline run ${this.executionId} (${this.creator})`,
        payload: {
          stack: target.names.stack,
          pipeline: this.pipeline,
          executionId: this.executionId,
          ...(rollback ? { rollbackOf: rollback.fromCommit } : {}),
          ...(target.actor ? { actor: target.actor } : {}),
        },
      }));
    if (this.status) await setDeploymentStatus(this.octokit, target.repo, this.deploymentId, this.status);
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
