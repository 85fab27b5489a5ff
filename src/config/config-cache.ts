import { repositoryFullName, type RepositoryRef } from "../core/environment.js";
import type { InstallationOctokit } from "../github/octokit.js";
import { loadConfig, type ConfigLoad } from "./load.js";

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

/** Which config an entry holds: one repository's, at its default branch, as one installation reads it. */
export function configKey(installationId: number, repo: RepositoryRef, defaultBranch: string): string {
  return `${installationId}/${repositoryFullName(repo).toLowerCase()}@${defaultBranch}`;
}

export interface ConfigRead {
  readonly octokit: InstallationOctokit;
  readonly installationId: number;
  readonly repo: RepositoryRef;
  readonly defaultBranch: string;
  /**
   * Read from GitHub now, and keep that: after a push to the default branch (the config may have
   * changed), and where a decision about people rests on it (who may approve or acknowledge), so a
   * replica that did not see the push cannot answer from an older file.
   */
  readonly fresh?: boolean;
}

/**
 * The one way the app reads a repository's config: `loadConfig`, through the cache when the
 * process keeps one (`Runtime.configs`; the CLI keeps none and reads GitHub each time).
 */
export function readConfig(cache: ConfigCache | undefined, read: ConfigRead): Promise<ConfigLoad> {
  const load = () => loadConfig(read.octokit, read.repo, read.defaultBranch);
  if (!cache) return load();
  const key = configKey(read.installationId, read.repo, read.defaultBranch);
  if (read.fresh) cache.forget(key);
  return cache.get(key, load);
}
