import type { RepositoryRef } from "../core/environment.js";
import type { InstallationOctokit } from "./octokit.js";

export type DeploymentState = "in_progress" | "queued" | "pending" | "success" | "failure" | "error" | "inactive";

export interface DeploymentRequest {
  readonly commit: string;
  /** GitHub's environment name: `branch/feature-x`, `staging`, `production`. */
  readonly environment: string;
  readonly transient: boolean;
  readonly production: boolean;
  readonly description: string;
  /** What branchline knows of the run, kept on the deployment for the ledger. */
  readonly payload: Readonly<Record<string, string>>;
}

/**
 * Records a deployment of a commit to an environment. auto_merge is off (GitHub would otherwise
 * merge the default branch into the ref) and no status contexts are required (branchline's own check
 * run would otherwise block its own deployment).
 */
export async function createDeployment(
  octokit: InstallationOctokit,
  repo: RepositoryRef,
  request: DeploymentRequest,
): Promise<number> {
  const response = await octokit.rest.repos.createDeployment({
    owner: repo.owner,
    repo: repo.name,
    ref: request.commit,
    environment: request.environment,
    auto_merge: false,
    required_contexts: [],
    transient_environment: request.transient,
    production_environment: request.production,
    description: request.description.slice(0, 140),
    payload: { ...request.payload },
  });
  if (response.status !== 201 || !("id" in response.data)) {
    throw new Error(
      `GitHub did not create a deployment of ${request.commit} to ${request.environment}: ${JSON.stringify(response.data)}`,
    );
  }
  return response.data.id;
}

export interface DeploymentStatusRequest {
  readonly state: DeploymentState;
  readonly description: string;
  readonly logUrl?: string;
  readonly environmentUrl?: string;
}

export async function setDeploymentStatus(
  octokit: InstallationOctokit,
  repo: RepositoryRef,
  deploymentId: number,
  status: DeploymentStatusRequest,
): Promise<void> {
  await octokit.rest.repos.createDeploymentStatus({
    owner: repo.owner,
    repo: repo.name,
    deployment_id: deploymentId,
    state: status.state,
    description: status.description.slice(0, 140),
    ...(status.logUrl ? { log_url: status.logUrl } : {}),
    ...(status.environmentUrl ? { environment_url: status.environmentUrl } : {}),
    // A new success makes the environment's earlier deployments inactive, as a ledger should read.
    auto_inactive: true,
  });
}

/**
 * The deployment of one execution, if any: found again after a restart, so an execution never gets
 * a second one. Only deployments branchline's own App created (`performed_via_github_app`) whose
 * payload names the execution count: anyone with `deployments: write` can create one with the same
 * environment, commit and payload, and a re-run of the same commit has a deployment of its own.
 * Without the App's id (GitHub could not say) none counts: a second deployment of one execution is
 * a lesser harm than writing branchline's record onto someone else's.
 */
export async function findDeployment(
  octokit: InstallationOctokit,
  repo: RepositoryRef,
  commit: string,
  environment: string,
  executionId: string,
  appId: number | undefined,
): Promise<number | null> {
  if (appId === undefined) return null;
  const response = await octokit.rest.repos.listDeployments({
    owner: repo.owner,
    repo: repo.name,
    sha: commit,
    environment,
    per_page: 30,
  });
  const found = response.data.find(
    (deployment) =>
      deployment.performed_via_github_app?.id === appId && payloadExecution(deployment.payload) === executionId,
  );
  return found?.id ?? null;
}

function payloadExecution(payload: unknown): string | undefined {
  let value = payload;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      return undefined;
    }
  }
  const executionId = (value as { executionId?: unknown } | null)?.executionId;
  return typeof executionId === "string" ? executionId : undefined;
}

/**
 * Marks an environment's newest deployment by branchline's App inactive: a torn-down branch shows
 * as destroyed. Another writer's (newer) deployment is neither chosen nor touched; without the
 * App's id nothing is.
 */
export async function deactivateEnvironment(
  octokit: InstallationOctokit,
  repo: RepositoryRef,
  environment: string,
  description: string,
  appId: number | undefined,
): Promise<boolean> {
  if (appId === undefined) return false;
  const response = await octokit.rest.repos.listDeployments({
    owner: repo.owner,
    repo: repo.name,
    environment,
    per_page: 30,
  });
  const latest = response.data.find((deployment) => deployment.performed_via_github_app?.id === appId);
  if (!latest) return false;
  await setDeploymentStatus(octokit, repo, latest.id, { state: "inactive", description });
  return true;
}
