import type { ConfigLoad } from "./load.js";

/**
 * Repository configs, kept a short while: every job of a busy repository would otherwise read
 * `.github/branchline.yml` from GitHub again. A config changes only by a push to the default branch,
 * which drops its entry; the time limit bounds how stale an `_extends`ed file may get. Concurrent
 * reads of one repository share one request.
 */
export class ConfigCache {
  private readonly entries = new Map<string, { readonly at: number; readonly load: Promise<ConfigLoad> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string, load: () => Promise<ConfigLoad>): Promise<ConfigLoad> {
    if (this.ttlMs <= 0) return load();
    const cached = this.entries.get(key);
    if (cached && this.now() - cached.at < this.ttlMs) return cached.load;
    const fresh = load();
    this.entries.set(key, { at: this.now(), load: fresh });
    // A failed read is not remembered: the next job asks GitHub again.
    fresh.catch(() => this.entries.delete(key));
    return fresh;
  }

  forget(key: string): void {
    this.entries.delete(key);
  }
}
