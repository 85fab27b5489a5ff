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
