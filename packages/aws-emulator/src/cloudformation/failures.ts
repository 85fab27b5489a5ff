import picomatch from "picomatch";

/** Stack operations a test can make fail, and where CloudFormation would report it. */
export type StackOperationKind = "create" | "update" | "update-rollback" | "delete";

export interface StackFailureScript {
  /** Exact stack name or a glob (`feature-*`). */
  readonly stackName: string;
  readonly operation: StackOperationKind;
  /** Logical id of the resource that fails; default the first resource the operation touches. */
  readonly resource?: string;
  readonly reason?: string;
  /** How many operations fail before the script is used up; default every one. */
  readonly times?: number;
}

export interface ScriptedFailure {
  readonly resource: string | undefined;
  readonly reason: string;
}

const DEFAULT_REASONS: Record<StackOperationKind, string> = {
  create: 'Resource handler returned message: "Emulated create failure" (HandlerErrorCode: GeneralServiceException)',
  update: 'Resource handler returned message: "Emulated update failure" (HandlerErrorCode: GeneralServiceException)',
  "update-rollback":
    'Resource handler returned message: "Emulated rollback failure" (HandlerErrorCode: GeneralServiceException)',
  delete: 'Resource handler returned message: "Emulated delete failure" (HandlerErrorCode: GeneralServiceException)',
};

interface Entry {
  readonly script: StackFailureScript;
  readonly matches: (name: string) => boolean;
  remaining: number;
}

export class StackFailures {
  private entries: Entry[] = [];

  add(script: StackFailureScript): void {
    this.entries.push({
      script,
      matches: picomatch(script.stackName),
      remaining: script.times ?? Number.POSITIVE_INFINITY,
    });
  }

  clear(): void {
    this.entries = [];
  }

  list(): StackFailureScript[] {
    return this.entries.map((e) => e.script);
  }

  /** The failure planned for this operation, used up by one. */
  take(stackName: string, operation: StackOperationKind): ScriptedFailure | undefined {
    const entry = this.entries.find((e) => e.script.operation === operation && e.remaining > 0 && e.matches(stackName));
    if (!entry) return undefined;
    entry.remaining -= 1;
    return { resource: entry.script.resource, reason: entry.script.reason ?? DEFAULT_REASONS[operation] };
  }
}
