import { AsyncLocalStorage } from "node:async_hooks";

/**
 * Which look the code running now belongs to, while that look runs. The AWS clients send it as the
 * `x-branchline-look` header, so AWS's own request log (CloudTrail keeps request headers out, but
 * the emulator and a proxy see them) can tell which look, of which worker, made each call. Work
 * that goes on after the look (a run follower's polls) runs after `active` turns false and carries
 * nothing. The GitHub outbox records here the writes a look queued (`leaveBehind`), so a
 * distributed queue can keep the look's messages until they are sent. The queue sets it, the AWS
 * adapters and the outbox read it, so it sits in core, below all of them: ambient state
 * (AsyncLocalStorage), no I/O.
 */
export interface LookContext {
  readonly id: string;
  active: boolean;
  /** What the look left to settle after it returns: the GitHub writes it queued. */
  readonly leftBehind: Promise<unknown>[];
}

/** A look's value, and when what it left behind (its queued GitHub writes), if anything, has settled. */
export interface LookResult<T> {
  readonly value: T;
  readonly settled: Promise<void> | undefined;
}

const storage = new AsyncLocalStorage<LookContext>();

export const LOOK_HEADER = "x-branchline-look";

export async function withinLook<T>(id: string, work: () => Promise<T>): Promise<LookResult<T>> {
  const context: LookContext = { id, active: true, leftBehind: [] };
  try {
    const value = await storage.run(context, work);
    const { leftBehind } = context;
    return { value, settled: leftBehind.length ? Promise.allSettled(leftBehind).then(() => undefined) : undefined };
  } finally {
    context.active = false;
  }
}

/**
 * Marks `work` (a GitHub write queued for later) as left behind by the look running now, if any:
 * a distributed queue keeps the look's messages until it settles, so the next look at the same
 * key, on any replica, starts only after it.
 */
export function leaveBehind(work: Promise<unknown>): void {
  const context = storage.getStore();
  if (context?.active) context.leftBehind.push(work);
}

/** The look running now, or undefined outside any (or after it ended). */
export function currentLook(): string | undefined {
  const context = storage.getStore();
  return context?.active ? context.id : undefined;
}
