import { followedRef, repositoryFullName, type Environment, type RepositoryRef } from "./environment.js";

/**
 * Stack tags are branchline's database (DESIGN principle 3): they say which repository and
 * environment a stack belongs to, so the reconciler finds managed stacks without memory. Every
 * value that comes from outside (a ref name) is written with `encodeTagValue` and read with
 * `decodeTagValue`, side by side here, so the two never drift apart; and the record of tags goes to
 * and comes from AWS's `{ Key, Value }` list here too (`awsTags`, `tagsFromAws`).
 */
export const TAG = {
  managedBy: "branchline:managed-by",
  repository: "branchline:repository",
  /** GitHub's id of the repository: names change (rename, transfer), ids do not. */
  repositoryId: "branchline:repository-id",
  environment: "branchline:environment",
  ref: "branchline:ref",
  templateHash: "branchline:template-hash",
  parametersHash: "branchline:parameters-hash",
  repositoryState: "branchline:repository-state",
  /**
   * On an application stack (what a pipeline's deploy action created, not a stack branchline made):
   * the pipeline stack whose run deployed it. The pipeline writes it, beside the environment's other
   * tags, through the deploy action's template configuration.
   */
  pipelineStack: "branchline:pipeline-stack",
} as const;

export const MANAGED_BY_VALUE = "branchline";

/** AWS's limit on tag values. */
export const TAG_VALUE_MAX = 256;

/**
 * The characters branchline leaves as they are: an ASCII subset of AWS's tag value pattern
 * (`[\p{L}\p{Z}\p{N}_.:/=+\-@]`), without `=`, which is the escape. ASCII only, because IAM
 * condition values and some services are stricter with Unicode than CloudFormation is.
 */
const PLAIN = /^[A-Za-z0-9 _.:/+@-]$/;
const ESCAPE = "=";

/**
 * A text as an AWS tag value: every character outside PLAIN becomes `=HH` per UTF-8 byte (so `=`
 * is `=3D`). `feature/x` stays `feature/x`; `fix/#1` becomes `fix/=231`. Reversible: decodeTagValue.
 */
export function encodeTagValue(text: string): string {
  let out = "";
  for (const char of text) {
    if (PLAIN.test(char)) out += char;
    else
      for (const byte of Buffer.from(char, "utf8"))
        out += `${ESCAPE}${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** The text an encoded tag value stands for; null when it is not one branchline wrote. */
export function decodeTagValue(value: string): string | null {
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const char = value[i]!;
    if (char === ESCAPE) {
      const hex = value.slice(i + 1, i + 3);
      if (!/^[0-9A-F]{2}$/.test(hex)) return null;
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else if (PLAIN.test(char)) {
      bytes.push(char.charCodeAt(0));
    } else {
      return null;
    }
  }
  const text = Buffer.from(bytes).toString("utf8");
  // Bytes that are not UTF-8 were never written by encodeTagValue.
  return encodeTagValue(text) === value ? text : null;
}

/** A tag as the AWS APIs send and take it (CloudFormation's `Tag`, and its kin elsewhere). */
export interface AwsTag {
  readonly Key?: string | undefined;
  readonly Value?: string | undefined;
}

/** Tags as AWS takes them: the record's entries, one `{ Key, Value }` each. Reversed by `tagsFromAws`. */
export function awsTags(tags: Readonly<Record<string, string>>): { Key: string; Value: string }[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

/** Tags as AWS gives them, as a record: what every reader of a stack's tags works with. */
export function tagsFromAws(tags: readonly AwsTag[] | undefined): Record<string, string> {
  return Object.fromEntries((tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""]));
}

/** The key of the n-th part (1-based) of a value spread over several tags. */
function partKey(key: string, part: number): string {
  return part === 1 ? key : `${key}:${part}`;
}

/**
 * An encoded value, spread over `key`, `key:2`, `key:3`… when it is longer than one tag holds (a
 * 255-byte ref of `#` is 765 characters encoded). Cut only between escapes.
 */
export function encodedTags(key: string, text: string): Record<string, string> {
  const encoded = encodeTagValue(text);
  const tags: Record<string, string> = {};
  let rest = encoded;
  let part = 1;
  do {
    let cut = Math.min(TAG_VALUE_MAX, rest.length);
    // Never split `=HH`: back up to before an escape that would be cut.
    const escapeAt = rest.lastIndexOf(ESCAPE, cut - 1);
    if (cut < rest.length && escapeAt > cut - 3) cut = escapeAt;
    tags[partKey(key, part)] = rest.slice(0, cut);
    rest = rest.slice(cut);
    part++;
  } while (rest.length > 0);
  return tags;
}

/** The text `encodedTags` spread over `key`, `key:2`…; null when absent or not branchline's encoding. */
export function decodedTag(tags: Readonly<Record<string, string>>, key: string): string | null {
  if (tags[key] === undefined) return null;
  let joined = "";
  for (let part = 1; tags[partKey(key, part)] !== undefined; part++) joined += tags[partKey(key, part)];
  return decodeTagValue(joined);
}

/** The ref tags of an environment: the followed ref, encoded. */
export function refTags(env: Environment): Record<string, string> {
  return encodedTags(TAG.ref, followedRef(env));
}

/** The followed ref a stack's tags record, decoded; null when there is none. */
export function refFromTags(tags: Readonly<Record<string, string>>): string | null {
  return decodedTag(tags, TAG.ref);
}

/** The repository tags: its name (for people and the console) and its id (for identity). */
export function repositoryTags(repo: RepositoryRef): Record<string, string> {
  return {
    [TAG.repository]: repositoryFullName(repo).toLowerCase(),
    ...(repo.id !== undefined ? { [TAG.repositoryId]: String(repo.id) } : {}),
  };
}

/** The repository id a stack's tags record; null for a stack tagged before ids were. */
export function repositoryIdFromTags(tags: Readonly<Record<string, string>>): number | null {
  const value = tags[TAG.repositoryId];
  return value !== undefined && /^[1-9][0-9]{0,15}$/.test(value) ? Number(value) : null;
}

/**
 * Whether a managed stack's tags say it belongs to this repository. By id whenever both sides know
 * it (a new repository under an old name is another repository; a renamed one is the same); by name
 * only for stacks tagged before ids were, or when the caller knows no id (operator tools).
 */
export function belongsToRepository(tags: Readonly<Record<string, string>>, repo: RepositoryRef): boolean {
  if (tags[TAG.managedBy] !== MANAGED_BY_VALUE) return false;
  const taggedId = repositoryIdFromTags(tags);
  if (taggedId !== null && repo.id !== undefined) return taggedId === repo.id;
  return tags[TAG.repository] === repositoryFullName(repo).toLowerCase();
}

/** The repository a managed stack's tags name (with its id when tagged); null when not branchline's. */
export function repositoryFromTags(tags: Readonly<Record<string, string>>): RepositoryRef | null {
  if (tags[TAG.managedBy] !== MANAGED_BY_VALUE) return null;
  const [owner, name, ...rest] = (tags[TAG.repository] ?? "").split("/");
  if (!owner || !name || rest.length > 0) return null;
  const id = repositoryIdFromTags(tags);
  return id === null ? { owner, name } : { owner, name, id };
}

/** The environment a managed stack's tags record; null when they record none branchline knows. */
export function environmentFromTags(tags: Readonly<Record<string, string>>): Environment | null {
  const ref = refFromTags(tags) ?? "";
  const branch =
    ref.startsWith("refs/heads/") && ref.length > "refs/heads/".length ? ref.slice("refs/heads/".length) : null;
  switch (tags[TAG.environment]) {
    case "branch":
      return branch ? { kind: "branch", branch } : null;
    case "staging":
      return branch ? { kind: "staging", branch } : null;
    case "production":
      return { kind: "production", tag: "" };
    default:
      return null;
  }
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

/** An application stack, by its tags: one a pipeline deployed, which branchline removes before the pipeline's stack. */
export function isApplicationStack(tags: Readonly<Record<string, string>>): boolean {
  return (
    tags[TAG.managedBy] === MANAGED_BY_VALUE &&
    typeof tags[TAG.pipelineStack] === "string" &&
    tags[TAG.pipelineStack] !== ""
  );
}
