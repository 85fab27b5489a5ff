import type { ExecutionMode } from "./declaration.js";

/**
 * Who may be in a stage. In SUPERSEDED and QUEUED modes a stage holds one execution at a
 * time and the next waits at its inbound transition. SUPERSEDED keeps one waiter: a newer
 * arrival supersedes it ("while this execution was waiting for the next stage, a newer one
 * advanced instead"). QUEUED keeps all waiters in order. PARALLEL has no gates.
 */
export type GateOutcome = "entered" | "superseded";

interface Waiter {
  readonly executionId: string;
  readonly sequence: number;
  readonly admit: (outcome: GateOutcome) => void;
}

interface Gate {
  occupant: string | undefined;
  waiting: Waiter[];
}

export class StageGates {
  private readonly gates = new Map<string, Gate>();

  constructor(private readonly mode: ExecutionMode) {}

  private gate(stage: string): Gate {
    let gate = this.gates.get(stage);
    if (!gate) {
      gate = { occupant: undefined, waiting: [] };
      this.gates.set(stage, gate);
    }
    return gate;
  }

  enter(stage: string, executionId: string, sequence: number): Promise<GateOutcome> {
    if (this.mode === "PARALLEL") return Promise.resolve("entered");
    const gate = this.gate(stage);
    if (gate.occupant === undefined) {
      gate.occupant = executionId;
      return Promise.resolve("entered");
    }
    return new Promise((admit) => {
      const waiter = { executionId, sequence, admit };
      if (this.mode === "SUPERSEDED") {
        const older = gate.waiting.filter((w) => w.sequence < sequence);
        if (gate.waiting.some((w) => w.sequence > sequence)) {
          admit("superseded");
          return;
        }
        gate.waiting = [waiter];
        for (const w of older) w.admit("superseded");
      } else {
        gate.waiting.push(waiter);
      }
    });
  }

  /** Frees a stage (or drops a waiter); the next waiter, if any, goes in. */
  leave(stage: string, executionId: string): void {
    const gate = this.gates.get(stage);
    if (!gate) return;
    gate.waiting = gate.waiting.filter((w) => w.executionId !== executionId);
    if (gate.occupant !== executionId) return;
    const next = gate.waiting.shift();
    gate.occupant = next?.executionId;
    next?.admit("entered");
  }

  /** Executions waiting at a stage's inbound transition. */
  inbound(stage: string): string[] {
    return this.gates.get(stage)?.waiting.map((w) => w.executionId) ?? [];
  }

  /** Leaves every stage and queue, when an execution ends. */
  forget(executionId: string): void {
    for (const stage of this.gates.keys()) this.leave(stage, executionId);
  }
}
