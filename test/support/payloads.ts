import examples from "@octokit/webhooks-examples/api.github.com/index.json" with { type: "json" };

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
}

function adjust(payload: Payload, options: RepoOptions): Payload {
  const owner = options.owner ?? "octo-org";
  const repo = options.repo ?? "shop";
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
export function pushToBranch(branch: string, commit: string, options: RepoOptions & { created?: boolean; forced?: boolean } = {}): Payload {
  const payload = adjust(example("push", (e) => String(e.ref).startsWith("refs/heads/")), options);
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
  const payload = adjust(example("push", (e) => String(e.ref).startsWith("refs/heads/")), options);
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
  const payload = adjust(example("push", (e) => String(e.ref).startsWith("refs/tags/")), options);
  payload.ref = `refs/tags/${tag}`;
  payload.before = ZERO;
  payload.after = "7".repeat(40);
  payload.created = true;
  payload.deleted = false;
  payload.head_commit = { ...(payload.head_commit as object), id: commit };
  return payload;
}

export function createRef(refType: "branch" | "tag", ref: string, options: RepoOptions = {}): Payload {
  const payload = adjust(example("create", () => true), options);
  payload.ref = ref;
  payload.ref_type = refType;
  payload.master_branch = options.defaultBranch ?? "main";
  return payload;
}

export function deleteRef(refType: "branch" | "tag", ref: string, options: RepoOptions = {}): Payload {
  const payload = adjust(example("delete", () => true), options);
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
  const payload = adjust(example("check_run", (e) => e.action === action), options);
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
  const payload = adjust(example("pull_request", (e) => e.action === action && Boolean(e.installation)), options);
  const pr = payload.pull_request as { head: Record<string, unknown> & { repo: Record<string, unknown> }; base: { repo: Record<string, unknown> } };
  const fullName = payload.repository.full_name as string;
  pr.base.repo.full_name = fullName;
  pr.head.ref = head.branch;
  pr.head.sha = head.sha;
  pr.head.repo = { ...pr.head.repo, full_name: head.fromFork ? "someone-else/shop" : fullName, fork: head.fromFork ?? false };
  return payload;
}
