import type { StackCondition } from "../core/stack-state.js";
import type { RepositoryState } from "../core/tags.js";

/**
 * What `branchline status` reports, whichever way it was read: from AWS (status.ts) or from a
 * running branchline's REST API (server-status.ts).
 */

export interface EnvironmentStatus {
  readonly repository: string;
  readonly environment: string;
  /** `pipeline`: the environment's stack; `application`: what its pipeline deployed. */
  readonly part: "pipeline" | "application";
  /** An application stack whose pipeline stack is gone: the reconciler (or `gc`) removes it. */
  readonly orphaned: boolean;
  readonly kind: string;
  readonly ref: string;
  readonly stack: string;
  readonly stackStatus: string;
  readonly condition: StackCondition;
  readonly terminationProtection: boolean;
  readonly pipeline: string;
  readonly lastRun: {
    readonly executionId: string;
    readonly status: string;
    readonly commit: string | null;
    readonly startedAt: string | null;
    readonly updatedAt: string | null;
  } | null;
  readonly environmentUrl: string | null;
  /** unowned, archived or deleted: the stack no longer follows git (its tags say why); null: it does. */
  readonly repositoryState: RepositoryState | null;
  /** When the stack was created (the environment's age). */
  readonly createdAt: string | null;
  /** Hibernated (`BranchlineHibernate` is true): the next push wakes it. */
  readonly hibernated: boolean;
  /** Milliseconds until a branch environment is hibernated or torn down (`branches.ttl`); null when it does not expire. */
  readonly timeLeftMs: number | null;
}

export interface StatusResult {
  readonly region: string;
  readonly repository: string | null;
  readonly generatedAt: string;
  /** The ttl time left is counted against (`--ttl`, or `branches.ttl` of the local config), if any. */
  readonly ttl: string | null;
  readonly environments: readonly EnvironmentStatus[];
  /** Stacks only a delete (or a person) can move on: ROLLBACK_COMPLETE, DELETE_FAILED, ... */
  readonly needAttention: number;
}
