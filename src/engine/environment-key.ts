import { repositoryFullName, type RepositoryRef } from "../core/environment.js";
import type { GitRef } from "../core/routing.js";

/**
 * The key of one environment in the work queue: `<installation>/<owner>/<name>#branch:<branch>`, or
 * `#tags` for a repository's release tags (every tag deploys the one production environment).
 * Known without reading config, so a webhook handler enqueues at once; the default branch's key is
 * staging's. Repository names are case-insensitive on GitHub, branch names are not.
 */
export function environmentKey(installationId: number, repo: RepositoryRef, ref: GitRef): string {
  const prefix = repositoryKeyPrefix(installationId, repo);
  return ref.type === "tag" ? `${prefix}#tags` : `${prefix}#branch:${ref.name}`;
}

/** What every environment key of one repository starts with: to look at all of them. */
export function repositoryKeyPrefix(installationId: number, repo: RepositoryRef): string {
  return `${installationId}/${repositoryFullName(repo).toLowerCase()}`;
}

export interface ParsedKey {
  readonly installationId: number;
  readonly repository: string;
  readonly ref: GitRef | { readonly type: "tags" };
}

/** The parts of an environment key, or null for a string that is not one. */
export function parseEnvironmentKey(key: string): ParsedKey | null {
  const match = /^(\d+)\/([^/#]+\/[^/#]+)#(?:(tags)|branch:(.+))$/.exec(key);
  if (!match) return null;
  const [, installation, repository, tags, branch] = match;
  return {
    installationId: Number(installation),
    repository: repository as string,
    ref: tags ? { type: "tags" } : { type: "branch", name: branch as string },
  };
}
