import { AsyncLocalStorage } from "node:async_hooks";

/**
 * Which look the code running now belongs to, while that look runs. The AWS clients send it as the
 * `x-branchline-look` header, so AWS's own request log (CloudTrail keeps request headers out, but
 * the emulator and a proxy see them) can tell which look, of which worker, made each call. Work a
 * look leaves behind (a run follower's polls) runs after `active` turns false and carries nothing.
 * The queue sets it and the AWS adapters read it, so it sits in core, below both: ambient state
 * (AsyncLocalStorage), no I/O.
 */
export interface LookContext {
  readonly id: string;
  active: boolean;
}

const storage = new AsyncLocalStorage<LookContext>();

export const LOOK_HEADER = "x-branchline-look";

export async function withinLook<T>(id: string, work: () => Promise<T>): Promise<T> {
  const context: LookContext = { id, active: true };
  try {
    return await storage.run(context, work);
  } finally {
    context.active = false;
  }
}

/** The look running now, or undefined outside any (or after it ended). */
export function currentLook(): string | undefined {
  const context = storage.getStore();
  return context?.active ? context.id : undefined;
}
