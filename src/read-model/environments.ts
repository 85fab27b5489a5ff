import type { StackSnapshot } from "../core/stack-snapshot.js";
import { environmentLabel, type EnvironmentKind, type RepositoryRef } from "../core/environment.js";
import { pipelineOfStack } from "../core/naming.js";
import { idleDeadline } from "../core/idle-policy.js";
import { HIBERNATE_PARAMETER } from "../core/parameters.js";
import { stackCondition, type StackCondition } from "../core/stack-state.js";
import { belongsToRepository, environmentFromTags, refFromTags } from "../core/tags.js";
import type { RunSummary } from "./run-index.js";

/** The newest deployment GitHub holds for an environment: branchline's record of who/what/when. */
export interface DeploymentFact {
  readonly id: number;
  readonly environment: string;
  readonly commit: string;
  readonly createdAt: string;
  readonly description: string | null;
  readonly executionId: string | null;
  readonly actor: string | null;
  readonly rollbackOf: string | null;
}

export interface EnvironmentView {
  readonly label: string;
  readonly kind: EnvironmentKind;
  readonly ref: string;
  readonly stack: {
    readonly name: string;
    readonly status: string;
    readonly condition: StackCondition;
    readonly updatedAt: string | null;
  };
  readonly pipeline: string;
  /** The commit the environment runs: its newest run's, else its newest deployment's. */
  readonly commit: string | null;
  /** The commit's first message line, as GitHub has it; null when unknown (or no GitHub is connected). */
  readonly message: string | null;
  readonly pushedBy: string | null;
  /** Since when the environment is at that commit (the newest run's start, or the stack's last change). */
  readonly since: string | null;
  /** When the environment's stack was created: its age (`branchline status` counts the same). */
  readonly createdAt: string | null;
  /** Its newest run's start, else its creation: where the idle clock starts. */
  readonly lastPushAt: string | null;
  /** When `branches.ttl` hibernates or tears it down if no push comes; null: it does not expire. */
  readonly expiresAt: string | null;
  /** Hibernated by `branches.ttl` (`BranchlineHibernate` is `true`): asleep until the next push. */
  readonly hibernated: boolean;
  readonly lastRun: RunSummary | null;
  readonly environmentUrl: string | null;
  readonly links: {
    readonly commit: string | null;
    readonly deployments: string;
    readonly stack: string;
    readonly pipeline: string;
  };
}

const KIND_ORDER: readonly EnvironmentKind[] = ["production", "staging", "branch"];

/** The GitHub deployment list (one page, newest first) reduced to the newest per environment. */
export function newestDeployments(deployments: readonly DeploymentFact[]): Map<string, DeploymentFact> {
  const newest = new Map<string, DeploymentFact>();
  for (const deployment of deployments)
    if (!newest.has(deployment.environment)) newest.set(deployment.environment, deployment);
  return newest;
}

export interface EnvironmentInputs {
  readonly repo: RepositoryRef;
  readonly region: string;
  readonly githubWeb: string;
  /** Every managed stack (the listing is shared); only this repository's are used. */
  readonly stacks: readonly StackSnapshot[];
  readonly deployments: ReadonlyMap<string, DeploymentFact>;
  readonly runs: ReadonlyMap<string, RunSummary | null>;
  /** The repository's `branches.ttl` in milliseconds; null when unset (or the config is unreadable). */
  readonly ttlMs: number | null;
}

/** This repository's stacks, by their tags (by GitHub's id where both sides know it, as the engine does). */
export function repositoryStacks(stacks: readonly StackSnapshot[], repo: RepositoryRef): StackSnapshot[] {
  return stacks.filter((s) => belongsToRepository(s.tags, repo));
}

/** The repository page's rows, pure: production and staging first, then branches by name. */
export function environmentViews(inputs: EnvironmentInputs): EnvironmentView[] {
  const { repo, region, githubWeb } = inputs;
  const views: EnvironmentView[] = [];
  for (const stack of repositoryStacks(inputs.stacks, repo)) {
    const environment = environmentFromTags(stack.tags);
    if (!environment) continue;
    const label = environmentLabel(environment);
    // Never the stack's output: a branch's template could name another repository's pipeline with it.
    const pipeline = pipelineOfStack(stack.name);
    const lastRun = inputs.runs.get(pipeline) ?? null;
    const deployment = inputs.deployments.get(label);
    const commit = lastRun?.commit ?? deployment?.commit ?? null;
    const console = `https://${region}.console.aws.amazon.com`;
    // The same facts `branchline status` reads: the stack's creation, the newest run's start.
    const createdAt = stack.createdAt ?? null;
    const lastPushAt = lastRun?.startedAt ? new Date(lastRun.startedAt) : createdAt;
    const hibernated = stack.parameters[HIBERNATE_PARAMETER] === "true";
    const expires = environment.kind === "branch" && inputs.ttlMs !== null && !hibernated && lastPushAt !== null;
    views.push({
      label,
      kind: environment.kind,
      ref: refFromTags(stack.tags) ?? "",
      stack: {
        name: stack.name,
        status: stack.status,
        condition: stackCondition(stack.status),
        updatedAt: stack.updatedAt ?? null,
      },
      pipeline,
      commit,
      message: null,
      pushedBy: deployment && deployment.commit === commit ? deployment.actor : null,
      since: lastRun?.startedAt ?? stack.updatedAt ?? null,
      createdAt: createdAt?.toISOString() ?? null,
      lastPushAt: lastPushAt?.toISOString() ?? null,
      expiresAt: expires ? idleDeadline({ lastPushAt, warnedAt: null }, inputs.ttlMs!).toISOString() : null,
      hibernated,
      lastRun,
      environmentUrl: stack.outputs.EnvironmentUrl ?? null,
      links: {
        commit: commit ? `${githubWeb}/${repo.owner}/${repo.name}/commit/${commit}` : null,
        deployments: `${githubWeb}/${repo.owner}/${repo.name}/deployments/${encodeURIComponent(label)}`,
        stack: `${console}/cloudformation/home?region=${region}#/stacks?filteringText=${encodeURIComponent(stack.name)}`,
        pipeline: `${console}/codesuite/codepipeline/pipelines/${encodeURIComponent(pipeline)}/view?region=${region}`,
      },
    });
  }
  return views.sort(
    (a, b) =>
      KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0),
  );
}

/** The rows with their commits' messages (read in one round for all of them). Pure. */
export function withMessages(
  views: readonly EnvironmentView[],
  messages: ReadonlyMap<string, string | null>,
): EnvironmentView[] {
  return views.map((v) => ({ ...v, message: v.commit ? (messages.get(v.commit) ?? null) : null }));
}

/** GitHub's deployment JSON, reduced to what the views read (the payload is what branchline wrote). */
export function deploymentFact(raw: {
  id: number;
  environment: string;
  sha: string;
  created_at: string;
  description?: string | null;
  payload?: unknown;
}): DeploymentFact {
  const payload = (typeof raw.payload === "object" && raw.payload !== null ? raw.payload : {}) as Record<
    string,
    unknown
  >;
  const text = (key: string) =>
    typeof payload[key] === "string" && payload[key] !== "" ? (payload[key] as string) : null;
  return {
    id: raw.id,
    environment: raw.environment,
    commit: raw.sha,
    createdAt: raw.created_at,
    description: raw.description ?? null,
    executionId: text("executionId"),
    actor: text("actor"),
    rollbackOf: text("rollbackOf"),
  };
}
