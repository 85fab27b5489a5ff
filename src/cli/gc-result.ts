import type { ReconcileAction } from "../core/reconcile-plan.js";

/** What `branchline gc` reports: the pass (gc-pass.ts) fills it, the command (gc.ts) prints it. */

export interface GcAction {
  readonly repository: string;
  readonly kind: ReconcileAction["kind"];
  /** The branch (deploy, destroy) or pipeline (resume) it is about. */
  readonly target: string;
  readonly stack?: string;
  readonly commit?: string;
  readonly reason: string;
  /** planned (dry run), done, or failed with why. */
  readonly outcome: "planned" | "done" | "failed";
  readonly error?: string;
}

export interface GcRepository {
  readonly repository: string;
  /** unowned: no installation covers it (its stacks say so); --repo removes its branch environments. */
  readonly state: "planned" | "skipped" | "error" | "unowned";
  readonly note?: string;
}

export interface GcResult {
  readonly dryRun: boolean;
  readonly region: string;
  readonly managedStacks: number;
  readonly repositories: readonly GcRepository[];
  readonly actions: readonly GcAction[];
  readonly errors: readonly { readonly repository: string; readonly message: string }[];
}
