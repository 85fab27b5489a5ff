import examples from "@octokit/webhooks-examples/api.github.com/index.json" with { type: "json" };
import { repositoryIdOf } from "./github-model.js";

/**
 * Webhook payloads from @octokit/webhooks-examples (GitHub's own examples), adjusted per case:
 * never invented from memory.
 */
type Payload = Record<string, unknown> & { repository: Record<string, unknown> & { owner: Record<string, unknown> } };

export const INSTALLATION_ID = 42;

function example(name: string, pick: (e: Record<string, unknown>) => boolean): Payload {
  const family = (examples as { name: string; examples: Record<string, unknown>[] }[]).find((e) => e.name === name);
  const found = family?.examples.find(pick);
  if (!found) throw new Error(`no ${name} example matches`);
  return structuredClone(found) as Payload;
}

export interface RepoOptions {
  readonly owner?: string;
  readonly repo?: string;
  readonly defaultBranch?: string;
  readonly fork?: boolean;
  /** GitHub's id of the repository; by default the one the fake GitHub gives this name. */
  readonly repositoryId?: number;
}

function adjust(payload: Payload, options: RepoOptions): Payload {
  const owner = options.owner ?? "octo-org";
  const repo = options.repo ?? "shop";
  payload.repository.id = options.repositoryId ?? repositoryIdOf(owner, repo);
  payload.repository.name = repo;
  payload.repository.full_name = `${owner}/${repo}`;
  payload.repository.owner.login = owner;
  payload.repository.default_branch = options.defaultBranch ?? "main";
  payload.repository.fork = options.fork ?? false;
  payload.installation = { id: INSTALLATION_ID, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNDI=" };
  return payload;
}

const ZERO = "0".repeat(40);

/** A push of `commit` to a branch (created: a new branch; forced: a force-push). */
export function pushToBranch(
  branch: string,
  commit: string,
  options: RepoOptions & { created?: boolean; forced?: boolean } = {},
): Payload {
  const payload = adjust(
    example("push", (e) => String(e.ref).startsWith("refs/heads/")),
    options,
  );
  payload.ref = `refs/heads/${branch}`;
  payload.before = options.created ? ZERO : "1".repeat(40);
  payload.after = commit;
  payload.created = options.created ?? false;
  payload.deleted = false;
  payload.forced = options.forced ?? false;
  payload.head_commit = { ...(payload.head_commit as object), id: commit };
  return payload;
}

/** A push that deletes a branch: `deleted: true`, `after` forty zeros, no head commit. */
export function pushDeletingBranch(branch: string, options: RepoOptions = {}): Payload {
  const payload = adjust(
    example("push", (e) => String(e.ref).startsWith("refs/heads/")),
    options,
  );
  payload.ref = `refs/heads/${branch}`;
  payload.before = "1".repeat(40);
  payload.after = ZERO;
  payload.created = false;
  payload.deleted = true;
  payload.commits = [];
  payload.head_commit = null;
  return payload;
}

/** A push of an annotated tag: `after` is the tag object, `head_commit` the commit it points at. */
export function pushTag(tag: string, commit: string, options: RepoOptions = {}): Payload {
  const payload = adjust(
    example("push", (e) => String(e.ref).startsWith("refs/tags/")),
    options,
  );
  payload.ref = `refs/tags/${tag}`;
  payload.before = ZERO;
  payload.after = "7".repeat(40);
  payload.created = true;
  payload.deleted = false;
  payload.head_commit = { ...(payload.head_commit as object), id: commit };
  return payload;
}

export function createRef(refType: "branch" | "tag", ref: string, options: RepoOptions = {}): Payload {
  const payload = adjust(
    example("create", () => true),
    options,
  );
  payload.ref = ref;
  payload.ref_type = refType;
  payload.master_branch = options.defaultBranch ?? "main";
  return payload;
}

export function deleteRef(refType: "branch" | "tag", ref: string, options: RepoOptions = {}): Payload {
  const payload = adjust(
    example("delete", () => true),
    options,
  );
  payload.ref = ref;
  payload.ref_type = refType;
  return payload;
}

/** A press on a check run: GitHub's Re-run (`rerequested`) or one of the run's actions (`requested_action`). */
export function checkRunEvent(
  action: "rerequested" | "requested_action",
  run: { id: number; name: string; headSha: string; headBranch?: string | null; identifier?: string; user: string },
  options: RepoOptions = {},
): Payload {
  const payload = adjust(
    example("check_run", (e) => e.action === action),
    options,
  );
  const checkRun = payload.check_run as Record<string, unknown> & { check_suite: Record<string, unknown> };
  checkRun.id = run.id;
  checkRun.name = run.name;
  checkRun.head_sha = run.headSha;
  checkRun.check_suite.head_sha = run.headSha;
  checkRun.check_suite.head_branch = run.headBranch ?? null;
  (payload.sender as Record<string, unknown>).login = run.user;
  if (action === "requested_action") payload.requested_action = { identifier: run.identifier ?? "reprovision" };
  return payload;
}

/** A pull request opened, synchronized or reopened, from a branch of the same repository or a fork. */
export function pullRequestEvent(
  action: "opened" | "synchronize" | "reopened",
  head: { branch: string; sha: string; fromFork?: boolean },
  options: RepoOptions = {},
): Payload {
  const payload = adjust(
    example("pull_request", (e) => e.action === action && Boolean(e.installation)),
    options,
  );
  const pr = payload.pull_request as {
    head: Record<string, unknown> & { repo: Record<string, unknown> };
    base: { repo: Record<string, unknown> };
  };
  const fullName = payload.repository.full_name as string;
  pr.base.repo.full_name = fullName;
  pr.head.ref = head.branch;
  pr.head.sha = head.sha;
  pr.head.repo = {
    ...pr.head.repo,
    full_name: head.fromFork ? "someone-else/shop" : fullName,
    fork: head.fromFork ?? false,
  };
  return payload;
}

/** A repository as installation payloads list it: id, names, private. */
export interface ListedRepository {
  readonly id: number;
  readonly owner: string;
  readonly name: string;
}

function listed(repositories: readonly ListedRepository[]): Record<string, unknown>[] {
  return repositories.map((r) => ({
    id: r.id,
    node_id: `R_${r.id}`,
    name: r.name,
    full_name: `${r.owner}/${r.name}`,
    private: false,
  }));
}

/** The App installed on, uninstalled from, suspended or unsuspended on an organisation. */
export function installationEvent(
  action: "created" | "deleted" | "suspend" | "unsuspend",
  options: {
    readonly account?: string;
    readonly repositories?: readonly ListedRepository[];
    readonly id?: number;
  } = {},
): Record<string, unknown> {
  const payload = example("installation", (e) => e.action === action) as unknown as Record<string, unknown> & {
    installation: Record<string, unknown> & { account: Record<string, unknown> };
  };
  payload.installation.id = options.id ?? INSTALLATION_ID;
  payload.installation.account.login = options.account ?? "octo-org";
  payload.installation.account.type = "Organization";
  payload.installation.target_type = "Organization";
  if (options.repositories) {
    payload.installation.repository_selection = "selected";
    payload.repositories = listed(options.repositories);
  }
  return payload;
}

/** Repositories added to or removed from the installation. */
export function installationRepositoriesEvent(
  action: "added" | "removed",
  repositories: readonly ListedRepository[],
  options: { readonly account?: string } = {},
): Record<string, unknown> {
  const payload = example("installation_repositories", (e) => e.action === action) as unknown as Record<
    string,
    unknown
  > & { installation: Record<string, unknown> & { account: Record<string, unknown> } };
  payload.installation.id = INSTALLATION_ID;
  payload.installation.account.login = options.account ?? "octo-org";
  payload.repositories_added = action === "added" ? listed(repositories) : [];
  payload.repositories_removed = action === "removed" ? listed(repositories) : [];
  return payload;
}

/**
 * Something happened to the repository as a whole. GitHub's examples have no `archived`,
 * `unarchived` or `deleted` one; those are the `publicized` example with its action changed (the
 * payloads differ only in the action).
 */
export function repositoryEvent(
  action: "archived" | "unarchived" | "deleted" | "edited" | "renamed" | "transferred",
  options: RepoOptions & {
    readonly defaultBranchFrom?: string;
    readonly archived?: boolean;
    readonly from?: { readonly owner: string; readonly name: string };
  } = {},
): Payload {
  const base =
    action === "edited"
      ? example(
          "repository",
          (e) => e.action === "edited" && Boolean((e.changes as Record<string, unknown>).default_branch),
        )
      : action === "renamed" || action === "transferred"
        ? example("repository", (e) => e.action === action)
        : example("repository", (e) => e.action === "publicized");
  const payload = adjust(base, options);
  payload.action = action;
  payload.repository.archived = options.archived ?? action === "archived";
  if (action === "edited") payload.changes = { default_branch: { from: options.defaultBranchFrom ?? "main" } };
  const changes = payload.changes as
    { repository?: { name: { from: string } }; owner?: { from: { user?: Record<string, unknown> } } } | undefined;
  if (action === "renamed" && changes?.repository) changes.repository.name.from = options.from?.name ?? "shop";
  if (action === "transferred" && changes?.owner?.from.user)
    changes.owner.from.user.login = options.from?.owner ?? "octo-org";
  return payload;
}
