import type { ServiceName } from "./services.js";

/**
 * Faults on demand. A rule applies to every call, to one service, or to one operation of one
 * service; for each kind of fault the most specific rule that sets it wins, so "5% throttling
 * everywhere, but none for S3" is two rules.
 */
export interface FaultRule {
  readonly service?: ServiceName;
  readonly operation?: string;
  /** 0..1: share of calls answered with the service's throttling error. */
  readonly throttleRate?: number;
  /** 0..1: share of calls answered with a 5xx. */
  readonly serverErrorRate?: number;
  /** Added before the call is answered (also before a fault). */
  readonly latencyMs?: number;
}

/**
 * AWS throttles per account, service and API with undisclosed token buckets. A rule gives each
 * matching (service, operation) its own bucket, refilled at `ratePerSecond` up to `burst`.
 */
export interface RateLimitRule {
  readonly service?: ServiceName;
  readonly operation?: string;
  readonly ratePerSecond: number;
  readonly burst?: number;
}

export type FaultKind = "throttle" | "server-error";

export interface FaultDecision {
  readonly latencyMs: number;
  readonly fault: FaultKind | undefined;
}

function specificity(rule: { service?: string; operation?: string }): number {
  return (rule.service ? 1 : 0) + (rule.operation ? 2 : 0);
}

function matches(rule: { service?: string; operation?: string }, service: string, operation: string): boolean {
  return (!rule.service || rule.service === service) && (!rule.operation || rule.operation === operation);
}

function mostSpecific<R extends { service?: string; operation?: string }>(
  rules: readonly R[],
  service: string,
  operation: string,
  has: (rule: R) => boolean,
): R | undefined {
  return rules
    .filter((rule) => has(rule) && matches(rule, service, operation))
    .sort((a, b) => specificity(b) - specificity(a))[0];
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export class Faults {
  private faultRules: FaultRule[] = [];
  private rateRules: RateLimitRule[] = [];
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly random: () => number,
    faults: readonly FaultRule[] = [],
    rateLimits: readonly RateLimitRule[] = [],
  ) {
    for (const rule of faults) this.setFaults(rule);
    this.setRateLimits(rateLimits);
  }

  /** Adds a rule, replacing an earlier one with the same scope. */
  setFaults(rule: FaultRule): void {
    this.faultRules = this.faultRules.filter((r) => r.service !== rule.service || r.operation !== rule.operation);
    this.faultRules.push(rule);
  }

  clearFaults(): void {
    this.faultRules = [];
  }

  /** Replaces all rate limits; an empty list turns them off (the default). */
  setRateLimits(rules: readonly RateLimitRule[]): void {
    this.rateRules = [...rules];
    this.buckets.clear();
  }

  decide(service: ServiceName, operation: string, nowMs: number): FaultDecision {
    const latencyMs =
      mostSpecific(this.faultRules, service, operation, (r) => r.latencyMs !== undefined)?.latencyMs ?? 0;
    if (!this.takeToken(service, operation, nowMs)) return { latencyMs, fault: "throttle" };
    const throttleRate =
      mostSpecific(this.faultRules, service, operation, (r) => r.throttleRate !== undefined)?.throttleRate ?? 0;
    if (throttleRate > 0 && this.random() < throttleRate) return { latencyMs, fault: "throttle" };
    const errorRate =
      mostSpecific(this.faultRules, service, operation, (r) => r.serverErrorRate !== undefined)?.serverErrorRate ?? 0;
    if (errorRate > 0 && this.random() < errorRate) return { latencyMs, fault: "server-error" };
    return { latencyMs, fault: undefined };
  }

  private takeToken(service: ServiceName, operation: string, nowMs: number): boolean {
    const rule = mostSpecific(this.rateRules, service, operation, () => true);
    if (!rule) return true;
    const capacity = Math.max(1, rule.burst ?? rule.ratePerSecond);
    const key = `${service}:${operation}`;
    const bucket = this.buckets.get(key) ?? { tokens: capacity, updatedAt: nowMs };
    const refill = ((nowMs - bucket.updatedAt) / 1000) * rule.ratePerSecond;
    bucket.tokens = Math.min(capacity, bucket.tokens + refill);
    bucket.updatedAt = nowMs;
    this.buckets.set(key, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
