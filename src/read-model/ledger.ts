import type { DeploymentFact } from "./environments.js";
import type { RunSummary } from "./run-index.js";

/** One line of an environment's history: a run, with what GitHub's deployment says about it. */
export interface LedgerLine {
  readonly executionId: string;
  readonly commit: string | null;
  /** Why it ran: branchline's start, the pipeline's creation, a rollback. */
  readonly cause: string;
  readonly who: string | null;
  readonly startedAt: string | null;
  readonly updatedAt: string | null;
  readonly outcome: string;
  /** Set for a rollback: the commit whose failure it undid. */
  readonly rollbackOf: string | null;
  readonly deploymentId: number | null;
}

/**
 * The ledger: every run the pipeline remembers (newest first), joined with the deployment branchline
 * recorded for it (by execution id). Pure.
 */
export function ledgerLines(runs: readonly RunSummary[], deployments: readonly DeploymentFact[]): LedgerLine[] {
  const byExecution = new Map<string, DeploymentFact>();
  for (const d of deployments) if (d.executionId && !byExecution.has(d.executionId)) byExecution.set(d.executionId, d);
  return runs.map((run) => {
    const deployment = byExecution.get(run.executionId);
    return {
      executionId: run.executionId,
      commit: run.commit ?? deployment?.commit ?? null,
      cause: cause(run, deployment),
      who: deployment?.actor ?? null,
      startedAt: run.startedAt,
      updatedAt: run.updatedAt,
      outcome: run.status,
      rollbackOf: deployment?.rollbackOf ?? null,
      deploymentId: deployment?.id ?? null,
    };
  });
}

function cause(run: RunSummary, deployment: DeploymentFact | undefined): string {
  if (deployment?.rollbackOf) return `rollback after ${deployment.rollbackOf.slice(0, 12)} failed`;
  switch (run.trigger) {
    case "CreatePipeline":
      return "pipeline created";
    case "StartPipelineExecution":
      return deployment ? "deployed by branchline" : "started by branchline";
    case null:
      return "unknown";
    default:
      return run.trigger;
  }
}
