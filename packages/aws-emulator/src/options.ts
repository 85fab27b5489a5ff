import type { Clock } from "./clock.js";
import type { FaultRule, RateLimitRule } from "./faults.js";
import type { PipelineEvent } from "./codepipeline/events.js";
import type { CallRecord } from "./call-log.js";

/** How long emulated work takes. Real AWS takes minutes; tests want tens of milliseconds. */
export interface Timing {
  /** A whole stack operation (create, update, delete, rollback), spread over its resources. */
  readonly stackOperationMs: number;
  /** From CreateChangeSet to CREATE_COMPLETE (or FAILED). */
  readonly changeSetMs: number;
  /** One pipeline action, unless a script gives it its own duration. */
  readonly actionMs: number;
}

export const timingPresets = {
  /** Fast enough that a test of a full pipeline run takes well under a second. */
  test: { stackOperationMs: 40, changeSetMs: 20, actionMs: 20 },
  /** Slow enough that a person watching check runs in the sandbox sees each step. */
  sandbox: { stackOperationMs: 4_000, changeSetMs: 2_000, actionMs: 5_000 },
} as const satisfies Record<string, Timing>;

export type TimingPreset = keyof typeof timingPresets;

export interface EventSinkOptions {
  /** An EventBridge API destination: each event is POSTed here as JSON. */
  readonly url?: string;
  /** Headers sent with each POST, e.g. a shared secret an API destination's connection adds. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Called in-process for each event, before any HTTP delivery. */
  readonly onEvent?: (event: PipelineEvent) => void;
  /**
   * Deliver as EventBridge may (at least once, in no promised order): each event is POSTed at once
   * rather than after the one before, some twice, some late. Seeded, so a failing run replays.
   */
  readonly unkind?: UnkindDelivery;
}

export interface UnkindDelivery {
  readonly seed?: number;
  /** Share of events POSTed a second time (default 0.5). */
  readonly duplicateRate?: number;
  /** Share of POSTs held back by up to `lateMs` (default 0.3). */
  readonly lateRate?: number;
  /** The longest hold-back (default 1000 ms). */
  readonly lateMs?: number;
}

export interface EmulatorOptions {
  /** Loopback only: 127.0.0.1 (default), ::1 or localhost. */
  readonly host?: string;
  /** 0 (default) picks a free port. */
  readonly port?: number;
  readonly region?: string;
  readonly accountId?: string;
  /** A preset name ("test", the default, or "sandbox") or durations to override. */
  readonly timing?: TimingPreset | Partial<Timing>;
  readonly eventSink?: EventSinkOptions;
  readonly rateLimits?: readonly RateLimitRule[];
  readonly faults?: readonly FaultRule[];
  /** Time source; real timers unless a test passes a ManualClock. */
  readonly clock?: Clock;
  /** Page size of CloudFormation listings that take no MaxResults (DescribeStacks, DescribeStackEvents...). AWS uses 100. */
  readonly pageSize?: number;
  /** Random source for fault rates, so a test can make them deterministic. */
  readonly random?: () => number;
  /** Called with every answered call: who (access key id), what, about which stack or pipeline, when. */
  readonly onCall?: (call: CallRecord) => void;
}

export interface ResolvedOptions {
  readonly host: string;
  readonly port: number;
  readonly region: string;
  readonly accountId: string;
  readonly timing: Timing;
  readonly pageSize: number;
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

export function resolveOptions(options: EmulatorOptions): ResolvedOptions {
  const host = options.host ?? "127.0.0.1";
  if (!LOOPBACK.has(host)) {
    throw new Error(`the AWS emulator listens on loopback only, not on ${host}`);
  }
  const accountId = options.accountId ?? "123456789012";
  if (!/^\d{12}$/.test(accountId)) throw new Error(`accountId must be 12 digits, got ${accountId}`);
  return {
    host,
    port: options.port ?? 0,
    region: options.region ?? "us-east-1",
    accountId,
    timing:
      typeof options.timing === "string"
        ? { ...timingPresets[options.timing] }
        : { ...timingPresets.test, ...options.timing },
    pageSize: options.pageSize ?? 100,
  };
}
