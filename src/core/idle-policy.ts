import { formatSpan } from "./duration.js";

/**
 * Idle environments (issue: "idle environments cost nothing"). A branch environment with no push for
 * `branches.ttl` is hibernated (its template declares `BranchlineHibernate`) or torn down, after a
 * warning; `branches.maxEnvironments` caps a repository, the least recently pushed idle environment
 * going first. Everything here is pure: the reconcile pass gathers the facts and acts on the answer.
 */

export interface IdleRules {
  /** `branches.ttl` in milliseconds; null: environments never expire. */
  readonly ttlMs: number | null;
  /** `branches.maxEnvironments`; null: no cap. */
  readonly maxEnvironments: number | null;
  /** `branches.keepOpenPullRequests`: a branch with an open pull request never expires. */
  readonly keepOpenPullRequests: boolean;
}

/** The label that keeps a branch's environment however long it sits idle. */
export const KEEP_LABEL = "branchline:keep";

/** One branch environment as the reconcile pass finds it (AWS for times, GitHub for labels and notes). */
export interface IdleEnvironment {
  readonly stackName: string;
  readonly branch: string;
  readonly createdAt: Date;
  /** When branchline last started a run for the branch (a push), else when its stack was created. */
  readonly lastPushAt: Date;
  /** The commit of that run, if any. */
  readonly lastRunCommit: string | undefined;
  /** The branch's head now: a head that never ran is a push still to deploy, never idle. */
  readonly head: string;
  /** A run in progress or a stack operation under way. */
  readonly busy: boolean;
  /** The stack's template declares `BranchlineHibernate`. */
  readonly canHibernate: boolean;
  /** It is hibernated now (`BranchlineHibernate` is `true`). */
  readonly hibernated: boolean;
  /** An open pull request from the branch carries `branchline:keep`. */
  readonly keepLabel: boolean;
  readonly openPullRequest: boolean;
  /** When branchline warned of this environment's expiry (its pull request comment or check run note), if it did. */
  readonly warnedAt: Date | null;
  /**
   * When the `branchline:keep` label last went on or came off the branch's pull request (GitHub's
   * own record of the label events), if it ever did. Either restarts the clock, as a push does:
   * while the label is on the environment is kept anyway, so what this buys is a full ttl after
   * the label comes off rather than an end the moment it does.
   */
  readonly keptAt: Date | null;
}

/** What happens to an idle environment at its deadline. */
export type IdleEnd = "hibernate" | "teardown";

export type IdleDecision =
  /** Pushed recently enough: nothing to do until `deadline`. */
  | { readonly kind: "active"; readonly deadline: Date }
  /** Never expires (a label, an open pull request, a run going, a push to deploy, no ttl). */
  | { readonly kind: "kept"; readonly why: string }
  /** Within a day (or half the ttl) of its deadline and not warned yet: warn now. */
  | { readonly kind: "warn"; readonly deadline: Date; readonly then: IdleEnd }
  /** Warned; the end comes at `deadline`. */
  | { readonly kind: "warned"; readonly deadline: Date; readonly then: IdleEnd }
  | { readonly kind: "end"; readonly then: IdleEnd; readonly why: string }
  /** Hibernated already: the next push wakes it. */
  | { readonly kind: "asleep" };

/** How long before its deadline an environment is warned: a day, or half the ttl when that is shorter. */
export function warningPeriodMs(ttlMs: number): number {
  return Math.min(86_400_000, Math.floor(ttlMs / 2));
}

/**
 * Why an environment is kept whatever its age, or null. A head that has not run yet is a push the
 * reconciler is about to deploy; a busy environment is in use.
 */
function keptBecause(env: IdleEnvironment, rules: IdleRules): string | null {
  if (env.keepLabel) return `its pull request is labelled ${KEEP_LABEL}`;
  if (rules.keepOpenPullRequests && env.openPullRequest)
    return "it has an open pull request (branches.keepOpenPullRequests)";
  if (env.busy) return "a run or stack operation is under way";
  if (env.lastRunCommit !== env.head) return "its newest push has not run yet";
  return null;
}

type ClockFacts = Pick<IdleEnvironment, "lastPushAt" | "warnedAt"> & { readonly keptAt?: Date | null };

/** Where the idle clock starts: the last push, or the keep label's last change when that came later. */
export function clockStart(env: ClockFacts): Date {
  return env.keptAt && env.keptAt.getTime() > env.lastPushAt.getTime() ? env.keptAt : env.lastPushAt;
}

/**
 * The deadline of an environment: `ttl` after its clock started, but never sooner than a full
 * warning period after the warning, so no environment goes without one.
 */
export function idleDeadline(env: ClockFacts, ttlMs: number): Date {
  const start = clockStart(env).getTime();
  const byPush = start + ttlMs;
  const warned = env.warnedAt && env.warnedAt.getTime() >= start ? env.warnedAt.getTime() + warningPeriodMs(ttlMs) : 0;
  return new Date(Math.max(byPush, warned));
}

/** What the ttl asks of one branch environment now. */
export function decideIdle(env: IdleEnvironment, rules: IdleRules, now: Date): IdleDecision {
  if (env.hibernated) return { kind: "asleep" };
  if (rules.ttlMs === null) return { kind: "kept", why: "branches.ttl is not set" };
  const kept = keptBecause(env, rules);
  if (kept) return { kind: "kept", why: kept };
  const then: IdleEnd = env.canHibernate ? "hibernate" : "teardown";
  const start = clockStart(env);
  const warnedForThisPush = env.warnedAt !== null && env.warnedAt.getTime() >= start.getTime();
  const deadline = idleDeadline(env, rules.ttlMs);
  const warnFrom = start.getTime() + rules.ttlMs - warningPeriodMs(rules.ttlMs);
  if (!warnedForThisPush) {
    if (now.getTime() < warnFrom) return { kind: "active", deadline };
    // Late (the pass did not run, or the warning could not be written): warn first, end a period later.
    const late = new Date(Math.max(deadline.getTime(), now.getTime() + warningPeriodMs(rules.ttlMs)));
    return { kind: "warn", deadline: now.getTime() >= deadline.getTime() ? late : deadline, then };
  }
  if (now.getTime() < deadline.getTime()) return { kind: "warned", deadline, then };
  const since = start === env.lastPushAt ? "no push" : `no push or change of the ${KEEP_LABEL} label`;
  return {
    kind: "end",
    then,
    why: `${since} for ${formatSpan(now.getTime() - start.getTime())} (branches.ttl is ${formatSpan(rules.ttlMs)})`,
  };
}

/** Age, last push and time left of an environment: what `branchline status` and the web view show. */
export interface EnvironmentClock {
  readonly ageMs: number;
  readonly sinceLastPushMs: number;
  /** Until it is hibernated or torn down; null when it does not expire (no ttl, or hibernated). */
  readonly timeLeftMs: number | null;
}

export function environmentClock(
  env: Pick<IdleEnvironment, "createdAt" | "lastPushAt" | "warnedAt" | "hibernated"> & {
    readonly keptAt?: Date | null;
  },
  ttlMs: number | null,
  now: Date,
): EnvironmentClock {
  return {
    ageMs: now.getTime() - env.createdAt.getTime(),
    sinceLastPushMs: now.getTime() - env.lastPushAt.getTime(),
    timeLeftMs:
      ttlMs === null || env.hibernated ? null : Math.max(0, idleDeadline(env, ttlMs).getTime() - now.getTime()),
  };
}

/** Whether an environment may make room for another under the cap: idle, not kept, not in use. */
function evictable(env: IdleEnvironment, rules: IdleRules): boolean {
  return keptBecause(env, rules) === null;
}

export type CapDecision =
  | { readonly kind: "room" }
  /** Tear these down (least recently pushed first) and the new environment fits. */
  | { readonly kind: "evict"; readonly victims: readonly IdleEnvironment[] }
  /** No idle environment can go: the new one waits, and its check run says so. */
  | { readonly kind: "full"; readonly count: number; readonly cap: number };

/**
 * A new branch environment against `branches.maxEnvironments`: the other branch environments of the
 * repository are counted (hibernated ones too: they hold their roles and stacks).
 */
export function decideCap(others: readonly IdleEnvironment[], rules: IdleRules): CapDecision {
  const cap = rules.maxEnvironments;
  if (cap === null || others.length < cap) return { kind: "room" };
  const needed = others.length - cap + 1;
  const candidates = others
    .filter((env) => evictable(env, rules))
    .sort((a, b) => a.lastPushAt.getTime() - b.lastPushAt.getTime() || (a.branch < b.branch ? -1 : 1));
  if (candidates.length < needed) return { kind: "full", count: others.length, cap };
  return { kind: "evict", victims: candidates.slice(0, needed) };
}
