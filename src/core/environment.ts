/**
 * Where a revision runs. A branch environment exists per branch; staging follows the repository's
 * default branch; production follows release tags.
 */
export type Environment =
  | { readonly kind: "branch"; readonly branch: string }
  | { readonly kind: "staging"; readonly branch: string }
  | { readonly kind: "production"; readonly tag: string };

export type EnvironmentKind = Environment["kind"];

export const ENVIRONMENT_KINDS: readonly EnvironmentKind[] = ["branch", "staging", "production"];

/** A repository as GitHub names it. */
export interface RepositoryRef {
  readonly owner: string;
  readonly name: string;
  /**
   * GitHub's id of the repository, which survives renames and transfers and is never reused. Every
   * webhook and the reconciler know it; stacks are tagged with it and owned by it (core/tags.ts).
   * Unknown only to operator tools that start from a name.
   */
  readonly id?: number;
}

export function repositoryFullName(repo: RepositoryRef): string {
  return `${repo.owner}/${repo.name}`;
}

/** The name people read: `branch/feature-x`, `staging`, `production`. Also the GitHub deployment environment. */
export function environmentLabel(env: Environment): string {
  switch (env.kind) {
    case "branch":
      return `branch/${env.branch}`;
    case "staging":
      return "staging";
    case "production":
      return "production";
  }
}

/** The full git ref an environment deploys from. */
export function environmentRef(env: Environment): string {
  switch (env.kind) {
    case "branch":
    case "staging":
      return `refs/heads/${env.branch}`;
    case "production":
      return `refs/tags/${env.tag}`;
  }
}

/**
 * The ref a stack follows, which must not change from run to run: a branch environment and staging
 * follow their branch; production follows release tags as a whole (`refs/tags/`), since each tag is a
 * run of the same stack, not a new stack. Recorded in the stack's tags and passed as BranchlineRef.
 */
export function followedRef(env: Environment): string {
  switch (env.kind) {
    case "branch":
    case "staging":
      return `refs/heads/${env.branch}`;
    case "production":
      return "refs/tags/";
  }
}

/** Staging and production are long-lived and shared; a branch environment is transient. */
export function isSharedEnvironment(env: Environment): boolean {
  return env.kind !== "branch";
}
