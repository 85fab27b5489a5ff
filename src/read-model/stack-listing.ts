import type { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { listManagedStacks } from "../aws/managed-stacks.js";
import type { StackSnapshot } from "../core/stack-snapshot.js";

/**
 * Every managed stack of the account and region, listed once (DescribeStacks, paginated) and shared
 * by every page for a few seconds: a repository page filters this by tags instead of asking AWS per
 * environment, and many viewers at once cost one listing.
 */
export class StackListing {
  private current: { readonly at: number; readonly stacks: Promise<StackSnapshot[]> } | undefined;

  constructor(
    private readonly cfn: CloudFormationClient,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  all(): Promise<StackSnapshot[]> {
    const now = this.now();
    if (this.current && now - this.current.at < this.ttlMs) return this.current.stacks;
    const stacks = listManagedStacks(this.cfn);
    const entry = { at: now, stacks };
    this.current = entry;
    stacks.catch(() => {
      if (this.current === entry) this.current = undefined;
    });
    return stacks;
  }

  /** Forget the listing: a stack event says something changed. */
  invalidate(): void {
    this.current = undefined;
  }
}
