import type { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { listManagedStacks } from "../aws/managed-stacks.js";
import type { StackSnapshot } from "../core/stack-snapshot.js";
import { repositoryIdFromTags } from "../core/tags.js";

/** How long one listing answers "which stacks does repository id N have" (a reconcile look refreshes it sooner). */
export const DIRECTORY_MAX_AGE_MS = 60_000;

interface Listing {
  readonly atMs: number;
  readonly stacks: readonly StackSnapshot[];
  readonly byRepositoryId: ReadonlyMap<number, readonly StackSnapshot[]>;
}

/**
 * branchline's stacks by repository id, from one listing of the account shared by every caller: a
 * renamed repository's stacks are found under the names they were made with (environment-names.ts)
 * without listing every stack of the account for each branch's first push. Listings the reconciler
 * makes anyway replace it, so between passes misses cost nothing.
 *
 * A stale answer is safe one way only, and the callers keep to it: a stack it names may be gone (the
 * caller describes it before using the name). A stack it misses was made after the listing; a new
 * environment's stack takes its computed name, so that matters only for a stack made, and its
 * repository renamed, within one listing's age, before the rename's webhook starts its look's listing.
 */
export class StackDirectory {
  private listing: Listing | undefined;
  private pending: Promise<Listing> | undefined;

  constructor(
    private readonly cfn: CloudFormationClient,
    private readonly maxAgeMs = DIRECTORY_MAX_AGE_MS,
    private readonly nowMs: () => number = Date.now,
  ) {}

  /** The managed stacks tagged with this repository id, from a listing no older than the maximum age. */
  async ofRepository(id: number): Promise<readonly StackSnapshot[]> {
    return (await this.fresh()).byRepositoryId.get(id) ?? [];
  }

  /**
   * Lists the account now (the reconciler's looks), keeping the result for the lookups after it.
   * From its start, misses wait for this listing rather than answer from an older one: a look made
   * because a repository was renamed or transferred is never answered with what preceded it.
   */
  async list(): Promise<readonly StackSnapshot[]> {
    return (await this.start()).stacks;
  }

  private fresh(): Promise<Listing> {
    if (this.pending) return this.pending;
    const listing = this.listing;
    if (listing && this.nowMs() - listing.atMs <= this.maxAgeMs) return Promise.resolve(listing);
    // Concurrent misses (a burst of first pushes) share one listing.
    return this.start();
  }

  private start(): Promise<Listing> {
    const atMs = this.nowMs();
    const made = listManagedStacks(this.cfn).then((stacks) => {
      const listing = { atMs, stacks, byRepositoryId: byRepositoryId(stacks) };
      if (!this.listing || this.listing.atMs <= atMs) this.listing = listing;
      return listing;
    });
    this.pending = made;
    const clear = () => {
      if (this.pending === made) this.pending = undefined;
    };
    made.then(clear, clear);
    return made;
  }
}

function byRepositoryId(stacks: readonly StackSnapshot[]): Map<number, StackSnapshot[]> {
  const found = new Map<number, StackSnapshot[]>();
  for (const stack of stacks) {
    const id = repositoryIdFromTags(stack.tags);
    if (id !== null) found.set(id, [...(found.get(id) ?? []), stack]);
  }
  return found;
}
