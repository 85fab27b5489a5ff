import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { basename, join, relative, resolve } from "node:path";
import { promisify } from "node:util";
import { CONFIG_PATH, type BranchlineConfig } from "../config/schema.js";
import { fieldName, validateConfigFile } from "../config/validate.js";
import type { RepositoryRef } from "../core/environment.js";
import { readYaml, type LocatedDocument } from "@branchline/cloudformation-template";

/**
 * A repository as it is on disk: its branchline config and template read from the working tree, and
 * what git knows (default branch, GitHub remote). The app reads the same files through GitHub; the
 * checks are the same functions.
 */

export interface LocatedProblem {
  readonly severity: "error" | "warning";
  /** As printed: relative to the current directory. */
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** The config field or template path the problem is about, when there is one. */
  readonly field?: string;
  readonly message: string;
}

export type LocalConfig =
  | { readonly kind: "absent"; readonly file: string }
  | { readonly kind: "invalid"; readonly file: string; readonly problems: readonly LocatedProblem[] }
  /** `extends`: the config the file extends (`_extends`), which only the app can read. */
  | {
      readonly kind: "valid";
      readonly file: string;
      readonly config: BranchlineConfig;
      readonly source: LocatedDocument | null;
      readonly extends?: string;
    };

/** `file:line:column: message`, the form editors and CI annotations understand. */
export function formatLocated(problem: LocatedProblem): string {
  const where = `${problem.file}:${problem.line}:${problem.column}`;
  const what = problem.field ? `${problem.field}: ${problem.message}` : problem.message;
  return problem.severity === "warning" ? `${where}: warning: ${what}` : `${where}: ${what}`;
}

/** A path inside the repository as the user should see it: relative to where they stand. */
export function displayPath(cwd: string, dir: string, repoPath: string): string {
  const full = resolve(cwd, dir, repoPath);
  return relative(cwd, full) || full;
}

export async function readTextFile(path: string): Promise<string | null> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

/** `.github/branchline.yml` from the working tree, validated as the app validates it. */
export async function readLocalConfig(cwd: string, dir: string): Promise<LocalConfig> {
  const file = displayPath(cwd, dir, CONFIG_PATH);
  const text = await readTextFile(resolve(cwd, dir, CONFIG_PATH));
  if (text === null) return { kind: "absent", file };
  const parsed = readYaml(text);
  if (!parsed.ok) {
    return {
      kind: "invalid",
      file,
      problems: parsed.problems.map((p) => ({
        severity: "error",
        file,
        ...p.position,
        message: `not valid YAML: ${p.message}`,
      })),
    };
  }
  const value = parsed.document.value;
  if (value !== null && value !== undefined && (typeof value !== "object" || Array.isArray(value))) {
    return {
      kind: "invalid",
      file,
      problems: [
        { severity: "error", file, line: 1, column: 1, message: "the file must be a mapping of fields (key: value)" },
      ],
    };
  }
  const validation = validateConfigFile(value);
  if (!validation.ok) {
    return {
      kind: "invalid",
      file,
      problems: validation.problems.map((problem) => {
        const field = fieldName(problem.path);
        return {
          severity: "error",
          file,
          ...parsed.document.locate(problem.path),
          ...(field ? { field } : {}),
          message: problem.message,
        };
      }),
    };
  }
  return {
    kind: "valid",
    file,
    config: validation.config,
    source: parsed.document,
    ...(validation.extends ? { extends: validation.extends } : {}),
  };
}

const exec = promisify(execFile);

async function git(dir: string, args: readonly string[]): Promise<string | null> {
  try {
    const { stdout } = await exec("git", ["-C", dir, ...args], {
      timeout: 10_000,
      env: { ...process.env, GIT_TERMINAL_PROMPT: "0" },
    });
    return stdout.trim();
  } catch {
    return null;
  }
}

/** The default branch as the clone knows it (origin/HEAD), else `main`. */
export async function gitDefaultBranch(dir: string): Promise<{ branch: string; source: "git" | "fallback" }> {
  const head = await git(dir, ["symbolic-ref", "refs/remotes/origin/HEAD"]);
  const branch = head?.replace(/^refs\/remotes\/origin\//, "");
  return branch ? { branch, source: "git" } : { branch: "main", source: "fallback" };
}

/** The GitHub repository of the `origin` remote: https, ssh and scp-like URLs. */
export async function gitRepository(dir: string): Promise<RepositoryRef | null> {
  const url = await git(dir, ["remote", "get-url", "origin"]);
  return url ? parseRemoteUrl(url) : null;
}

export function parseRemoteUrl(url: string): RepositoryRef | null {
  const match = /^(?:[a-z+]+:\/\/(?:[^@/]+@)?[^/]+(?::\d+)?\/|[^@:/]+@[^:]+:)([^/]+)\/([^/]+?)(?:\.git)?\/?$/.exec(
    url.trim(),
  );
  return match ? { owner: match[1]!, name: match[2]! } : null;
}

/** The commit a ref points at in the clone, if it has it. */
export async function gitCommit(dir: string, ref: string): Promise<string | null> {
  for (const candidate of ref.startsWith("refs/") ? [ref] : [`refs/heads/${ref}`, `refs/remotes/origin/${ref}`]) {
    const sha = await git(dir, ["rev-parse", "--verify", "--quiet", `${candidate}^{commit}`]);
    if (sha && /^[0-9a-f]{40}$/.test(sha)) return sha;
  }
  return null;
}

/** A stand-in when nothing names the repository: names and hashes are then only examples. */
export function placeholderRepository(cwd: string, dir: string): RepositoryRef {
  return { owner: "owner", name: basename(resolve(cwd, dir)) || "repository" };
}

export function repoPath(cwd: string, dir: string, path: string): string {
  return join(resolve(cwd, dir), path);
}
