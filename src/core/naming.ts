import { createHash } from "node:crypto";
import type { Environment, RepositoryRef } from "./environment.js";

declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

/** A CloudFormation stack name: `[a-zA-Z][-a-zA-Z0-9]*`. branchline keeps it within 100 characters so
 * the same string is also a valid CodePipeline name. */
export type StackName = Brand<string, "StackName">;
/** A CodePipeline name: at most 100 of `[A-Za-z0-9.@_-]`. */
export type PipelineName = Brand<string, "PipelineName">;
/** Lower-case, `[a-z0-9-]`, at most 32 characters: safe inside S3 bucket names and DNS labels. */
export type EnvironmentSlug = Brand<string, "EnvironmentSlug">;

export const STACK_NAME_PATTERN = /^[a-zA-Z][-a-zA-Z0-9]*$/;
/**
 * The one rule for the stack prefix, shared by the config schema and the StackPrefix parameter of
 * templates/branchline-iam.yml and templates/events.yml (a test keeps them equal): lower case because
 * bucket names derive from stack names, `-` allowed as the templates allow it, at most 20 characters.
 */
export const STACK_PREFIX_PATTERN = /^[a-z](?:[a-z0-9-]{0,18}[a-z0-9])?$/;
export const STACK_PREFIX_MAX_LENGTH = 20;
export const STACK_PREFIX_RULE =
  "lower case: a letter, then at most 19 letters, digits or hyphens, not ending in a hyphen (as StackPrefix of templates/branchline-iam.yml)";
const NAME_LIMIT = 100;
const HASH_LENGTH = 8;
const REPO_PART_LIMIT = 30;
const SLUG_LIMIT = 32;

export interface EnvironmentNames {
  readonly stack: StackName;
  readonly pipeline: PipelineName;
  readonly slug: EnvironmentSlug;
}

/**
 * Names every AWS thing of one environment. Deterministic, readable (repository and branch are
 * visible), and collision-free: the readable parts lose information (case, `/`, `_`, non-ASCII,
 * truncation) and `-` joins parts that may themselves hold `-` (`a-b/c` against `a/b-c`), so a short
 * hash of the exact identity is always appended.
 */
export function environmentNames(prefix: string, repo: RepositoryRef, env: Environment): EnvironmentNames {
  if (!STACK_PREFIX_PATTERN.test(prefix)) {
    throw new Error(`stack prefix "${prefix}" must be ${STACK_PREFIX_RULE}`);
  }
  const hash = identityHash(repo, env);
  // GitHub repository names are case-insensitive: `Web-App` and `web-app` are one repository.
  const repoPart = truncate(slugify(repo.name.toLowerCase()), REPO_PART_LIMIT);
  const envPart = readableEnvironment(env);
  const fixed = `${prefix}-${repoPart}--${hash}`.length;
  const stack = joinParts([prefix, repoPart, truncate(envPart, NAME_LIMIT - fixed - 1), hash]);
  return {
    stack: stack as StackName,
    pipeline: stack as string as PipelineName,
    slug: environmentSlug(env, hash),
  };
}

/**
 * The pipeline of an environment stack: branchline names every pipeline after its stack (the
 * `BranchlinePipelineName` parameter). The stack's `PipelineName` output is the template's word, which
 * anyone who can push a branch writes, so nothing reads it to choose a pipeline: not the deploy path
 * (it refuses a stack whose output disagrees), not the web view, the API or the CLI.
 */
export function pipelineOfStack(stackName: string): PipelineName {
  return stackName as PipelineName;
}

/** The prefix a stack's name starts with: the prefix holds no `-`, so it is all before the first one. */
export function stackPrefixOf(stackName: string): string {
  return stackName.split("-", 1)[0] ?? stackName;
}

function readableEnvironment(env: Environment): string {
  switch (env.kind) {
    case "branch":
      return `br-${slugify(env.branch)}`;
    case "staging":
      return "staging";
    case "production":
      return "production";
  }
}

function environmentSlug(env: Environment, hash: string): EnvironmentSlug {
  switch (env.kind) {
    case "staging":
    case "production":
      return env.kind as EnvironmentSlug;
    case "branch": {
      const readable = truncate(slugify(env.branch).toLowerCase(), SLUG_LIMIT - HASH_LENGTH - 4);
      return joinParts(["br", readable, hash]) as EnvironmentSlug;
    }
  }
}

/** The identity of an environment: GitHub repository names are case-insensitive, git refs are not. */
function identityHash(repo: RepositoryRef, env: Environment): string {
  // Staging and production are one each per repository: renaming the default branch or cutting a
  // new tag must not move them to another stack.
  const environment = env.kind === "branch" ? `branch\n${env.branch}` : env.kind;
  const identity = `${repo.owner.toLowerCase()}/${repo.name.toLowerCase()}\n${environment}`;
  return createHash("sha256").update(identity, "utf8").digest("hex").slice(0, HASH_LENGTH);
}

/** Keeps ASCII letters and digits, turns every run of anything else into one `-`. */
function slugify(text: string): string {
  return text.replace(/[^A-Za-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
}

function truncate(text: string, limit: number): string {
  return text.length <= limit ? text : text.slice(0, Math.max(0, limit)).replace(/-+$/, "");
}

function joinParts(parts: readonly string[]): string {
  return parts.filter((p) => p.length > 0).join("-");
}
