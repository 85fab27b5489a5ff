import type { GitHubModel } from "./github-model.js";

interface RefPayload {
  readonly repository?: { readonly owner?: { readonly login?: string } | null; readonly name?: string };
  readonly ref?: string;
  readonly ref_type?: string;
  readonly after?: string;
  readonly deleted?: boolean;
  readonly head_commit?: { readonly id?: string } | null;
  readonly action?: string;
  readonly pull_request?: {
    readonly head?: {
      readonly ref?: string;
      readonly sha?: string;
      readonly repo?: { readonly full_name?: string } | null;
    };
    readonly base?: { readonly repo?: { readonly full_name?: string } };
  };
}

/**
 * What GitHub holds once it sends a webhook: a push has moved its ref (or deleted it), a delete has
 * removed it, a pull request's head branch is at its head commit. Tests deliver a webhook after its
 * change, as GitHub does; a redelivery (or a late, stale delivery) changes nothing.
 */
export function applyWebhook(model: GitHubModel, name: string, payload: unknown): void {
  const p = payload as RefPayload;
  const owner = p.repository?.owner?.login;
  const repoName = p.repository?.name;
  if (!owner || !repoName) return;
  const repository = model.findRepository(owner, repoName);
  if (!repository) return;
  switch (name) {
    case "push": {
      if (!p.ref?.startsWith("refs/")) return;
      if (p.deleted || /^0{40}$/.test(p.after ?? "")) repository.deleteRef(p.ref);
      else if (p.ref.startsWith("refs/tags/")) repository.ref(p.ref, p.head_commit?.id ?? p.after ?? "");
      else if (p.after) repository.ref(p.ref, p.after);
      return;
    }
    case "delete":
      if (p.ref) repository.deleteRef(`refs/${p.ref_type === "tag" ? "tags" : "heads"}/${p.ref}`);
      return;
    case "pull_request": {
      const head = p.pull_request?.head;
      if (head?.ref && head.sha && head.repo?.full_name === p.pull_request?.base?.repo?.full_name)
        repository.branch(head.ref, head.sha);
      return;
    }
  }
}

let active: GitHubModel | undefined;

/** The model of the fake GitHub installed for the running test (FakeGitHub.install sets it). */
export function activeGitHubModel(): GitHubModel | undefined {
  return active;
}

export function setActiveGitHubModel(model: GitHubModel | undefined): void {
  active = model;
}
