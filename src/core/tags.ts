import { followedRef, type Environment } from "./environment.js";

/**
 * Stack tags are branchline's database (DESIGN principle 3): they say which repository and
 * environment a stack belongs to, so the reconciler finds managed stacks without memory.
 */
export const TAG = {
  managedBy: "branchline:managed-by",
  repository: "branchline:repository",
  environment: "branchline:environment",
  ref: "branchline:ref",
  templateHash: "branchline:template-hash",
  parametersHash: "branchline:parameters-hash",
  repositoryState: "branchline:repository-state",
} as const;

export const MANAGED_BY_VALUE = "branchline";

/** AWS's limit on tag values. */
export const TAG_VALUE_MAX = 256;

/** The ref tag's value: the followed ref, cut to the tag limit (the stack name's hash tells long refs apart). */
export function refTagValue(env: Environment): string {
  return followedRef(env).slice(0, TAG_VALUE_MAX);
}

/**
 * Why a repository's stacks no longer follow git; no tag means they do. `unowned`: the App was
 * uninstalled or suspended, or the repository removed from the installation, so branchline cannot
 * read git and deletes nothing on its own. `archived` and `deleted`: the repository is gone or
 * read-only; its branch environments were torn down and staging and production kept.
 */
export type RepositoryState = "unowned" | "archived" | "deleted";

const REPOSITORY_STATES: readonly RepositoryState[] = ["unowned", "archived", "deleted"];

export function repositoryStateOf(tags: Readonly<Record<string, string>>): RepositoryState | null {
  const value = tags[TAG.repositoryState];
  return REPOSITORY_STATES.find((state) => state === value) ?? null;
}
