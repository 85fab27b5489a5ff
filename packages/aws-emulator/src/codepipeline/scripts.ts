import picomatch from "picomatch";
import type { ActionCategory } from "./declaration.js";

/** What an action does when it runs; approvals wait for PutApprovalResult unless scripted otherwise. */
export type ActionOutcome = "succeed" | "fail" | "approval";

export interface ActionScript {
  /** Pipeline name or glob; any pipeline when absent. */
  readonly pipeline?: string;
  readonly stage?: string;
  readonly action?: string;
  readonly outcome: ActionOutcome;
  /** The failure message (fail) or summary (succeed). */
  readonly message?: string;
  readonly durationMs?: number;
  /** How many runs the script applies to; default all. */
  readonly times?: number;
}

export interface PlannedOutcome {
  readonly outcome: ActionOutcome;
  readonly message: string | undefined;
  readonly durationMs: number | undefined;
}

interface Entry {
  readonly script: ActionScript;
  readonly matchesPipeline: (name: string) => boolean;
  remaining: number;
}

export class ActionScripts {
  private entries: Entry[] = [];

  add(script: ActionScript): void {
    const matchesPipeline = script.pipeline ? picomatch(script.pipeline) : () => true;
    this.entries.push({ script, matchesPipeline, remaining: script.times ?? Number.POSITIVE_INFINITY });
  }

  clear(): void {
    this.entries = [];
  }

  list(): ActionScript[] {
    return this.entries.map((e) => e.script);
  }

  /** The newest matching script wins; without one, approvals wait and everything else succeeds. */
  plan(pipeline: string, stage: string, action: string, category: ActionCategory): PlannedOutcome {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const entry = this.entries[i]!;
      const { script } = entry;
      if (entry.remaining <= 0 || !entry.matchesPipeline(pipeline)) continue;
      if ((script.stage && script.stage !== stage) || (script.action && script.action !== action)) continue;
      entry.remaining -= 1;
      return { outcome: script.outcome, message: script.message, durationMs: script.durationMs };
    }
    return { outcome: category === "Approval" ? "approval" : "succeed", message: undefined, durationMs: undefined };
  }
}
