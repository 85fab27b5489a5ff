import { matchesAny } from "./glob.js";
import type { Environment } from "./environment.js";

/** A git ref as the webhooks name it, without `refs/heads/` or `refs/tags/`. */
export interface GitRef {
  readonly type: "branch" | "tag";
  readonly name: string;
}

/**
 * What happened to a ref. `commit` is null when the event does not carry it (a `create` event):
 * the ref's head is read when the work runs.
 */
export type RefEvent =
  | { readonly kind: "updated"; readonly ref: GitRef; readonly commit: string | null }
  | { readonly kind: "deleted"; readonly ref: GitRef };

export interface RoutingRules {
  readonly branches: { readonly include: readonly string[]; readonly exclude: readonly string[] };
  readonly releaseTags: readonly string[];
}

export type Intent =
  | { readonly action: "deploy"; readonly environment: Environment; readonly commit: string | null }
  | { readonly action: "destroy"; readonly environment: Environment }
  | { readonly action: "ignore"; readonly reason: string };

/** Parses a full ref (`refs/heads/x`, `refs/tags/v1`); anything else is not a ref branchline follows. */
export function parseFullRef(ref: string): GitRef | null {
  if (ref.startsWith("refs/heads/")) return { type: "branch", name: ref.slice("refs/heads/".length) };
  if (ref.startsWith("refs/tags/")) return { type: "tag", name: ref.slice("refs/tags/".length) };
  return null;
}

/**
 * Ref event → what should become true. The environment follows from the ref's kind (never from a
 * pattern on its name: a branch called `v1.2.3` is a branch) and from the repository's default branch.
 */
export function route(event: RefEvent, defaultBranch: string, rules: RoutingRules): Intent {
  const { ref } = event;
  if (ref.type === "tag") {
    if (event.kind === "deleted") {
      return ignore(`tag ${ref.name} was deleted; production is never torn down by a tag`);
    }
    if (!matchesAny(ref.name, rules.releaseTags)) {
      return ignore(`tag ${ref.name} does not match releaseTags (${rules.releaseTags.join(", ")})`);
    }
    return { action: "deploy", environment: { kind: "production", tag: ref.name }, commit: event.commit };
  }
  if (ref.name === defaultBranch) {
    if (event.kind === "deleted") {
      return ignore(`${ref.name} is the default branch; staging is never torn down by a branch event`);
    }
    return { action: "deploy", environment: { kind: "staging", branch: ref.name }, commit: event.commit };
  }
  const environment: Environment = { kind: "branch", branch: ref.name };
  if (event.kind === "deleted") {
    // A deleted branch's stack goes even if config now excludes the branch: it may predate the rule.
    return { action: "destroy", environment };
  }
  if (!branchIncluded(ref.name, rules)) {
    return ignore(`branch ${ref.name} is excluded by branches.include/exclude`);
  }
  return { action: "deploy", environment, commit: event.commit };
}

export function branchIncluded(branch: string, rules: RoutingRules): boolean {
  return matchesAny(branch, rules.branches.include) && !matchesAny(branch, rules.branches.exclude);
}

function ignore(reason: string): Intent {
  return { action: "ignore", reason };
}
