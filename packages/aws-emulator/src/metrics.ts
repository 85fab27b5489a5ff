import type { FaultKind } from "./faults.js";

export interface OperationCount {
  calls: number;
  throttled: number;
  serverErrors: number;
}

/** Every call the emulator answered, so tests and benchmarks can report API economy and retries. */
export interface CallReport {
  readonly total: number;
  readonly throttled: number;
  readonly serverErrors: number;
  /** service -> operation -> counts, e.g. `services.cloudformation.DescribeStacks.calls`. */
  readonly services: Record<string, Record<string, OperationCount>>;
}

export class CallCounter {
  private services: Record<string, Record<string, OperationCount>> = {};

  record(service: string, operation: string, fault: FaultKind | undefined): void {
    const byOperation = (this.services[service] ??= {});
    const count = (byOperation[operation] ??= { calls: 0, throttled: 0, serverErrors: 0 });
    count.calls += 1;
    if (fault === "throttle") count.throttled += 1;
    if (fault === "server-error") count.serverErrors += 1;
  }

  report(): CallReport {
    let total = 0;
    let throttled = 0;
    let serverErrors = 0;
    const services: Record<string, Record<string, OperationCount>> = {};
    for (const [service, operations] of Object.entries(this.services)) {
      services[service] = {};
      for (const [operation, count] of Object.entries(operations)) {
        services[service][operation] = { ...count };
        total += count.calls;
        throttled += count.throttled;
        serverErrors += count.serverErrors;
      }
    }
    return { total, throttled, serverErrors, services };
  }

  reset(): void {
    this.services = {};
  }
}
