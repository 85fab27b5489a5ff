import { createHash } from "node:crypto";
import type { Environment, RepositoryRef } from "../core/environment.js";
import type { IdleEnd } from "../core/idle-policy.js";
import type { RefEvent } from "../core/routing.js";
import type { RepositoryState } from "../core/tags.js";
import { environmentKey, repositoryKeyPrefix } from "./environment-key.js";

/**
 * Why a job exists: a ref moved (a push, create, delete, pull request, or the reconciler finding a
 * difference), or a person pressed a button on a check run, which names its environment itself.
 */
export type Cause =
  | { readonly kind: "ref" }
  | {
      readonly kind: "button";
      readonly action: "rerun" | "reprovision";
      readonly user: string;
      readonly checkRunId: number;
      readonly environment: Environment;
    }
  | {
      /** A failed run of `environment`, undone by redeploying its last good commit (the job's commit). */
      readonly kind: "rollback";
      readonly environment: Environment;
      readonly failedCommit: string;
      readonly failedExecutionId: string;
    }
  | {
      /**
       * The repository changed under an environment (renamed, transferred, a new default branch):
       * its stack is brought to this commit's inputs, which name the repository and branch; a run
       * starts only if the commit has none in this environment yet.
       */
      readonly kind: "follow";
    }
  | {
      /**
       * The branch's environment is torn down without GitHub: the repository is archived, deleted
       * or unowned (and an operator asked), so GitHub may be gone or read-only and there is no
       * config to read; the stack's own name gives its prefix. Or the branch became the default.
       */
      readonly kind: "retire";
      readonly why: string;
      readonly stackPrefix: string;
    }
  | {
      /**
       * The branch's environment sat idle (`branches.ttl`) or must make room (`branches.maxEnvironments`):
       * hibernate or tear it down, unless the branch moved past `commit` (a push always wins).
       */
      readonly kind: "idle";
      readonly step: IdleEnd;
      readonly commit: string;
      readonly why: string;
    }
  | {
      /**
       * A pull request into the default branch, at `head`: preview what merging it would do to
       * staging. Under a key of its own, so staging's deploys never wait behind it.
       */
      readonly kind: "preview";
      readonly pullNumber: number;
      readonly head: string;
    }
  | {
      /**
       * Write what became of the repository into the environment's stack tags (engine/stack-marks.ts):
       * in the environment's lane, so a mark and a deploy of one environment never race on its stack.
       * `follow`: the job's repository (its name now, its id) goes into the tags too.
       */
      readonly kind: "mark";
      readonly stackName: string;
      readonly state: RepositoryState | null;
      readonly reason: string;
      readonly follow?: true;
    };

/** A ref event, accepted from a webhook (or found by the reconciler), waiting for its lane. */
export interface RefJob {
  /** The webhook delivery id (or another unique id): the root of every AWS request token it causes. */
  readonly deliveryId: string;
  readonly installationId: number;
  readonly repo: RepositoryRef;
  readonly defaultBranch: string;
  readonly event: RefEvent;
  readonly cause: Cause;
  /** The GitHub login of whoever caused the event (a push's sender), when a person did. */
  readonly actor?: string;
  /** Older jobs of the same lane this one replaced before they started, oldest first. */
  readonly supersedes: readonly RefJob[];
}

/**
 * The lane a job waits in. Known without reading config, so the webhook handler can enqueue at once:
 * each branch is a lane (the default branch's lane is staging), and a repository's tags share one
 * lane, since every release tag deploys the one production environment.
 */
export function laneKey(job: RefJob): string {
  // A retirement names its environment (a branch environment) outright; its branch may just have
  // become the default branch, whose key is staging's, and a teardown must not coalesce with staging.
  if (job.cause.kind === "retire")
    return `${repositoryKeyPrefix(job.installationId, job.repo)}#retire:${job.event.ref.name}`;
  // A preview reads staging and writes only change sets it deletes again: never in staging's lane.
  if (job.cause.kind === "preview")
    return `${repositoryKeyPrefix(job.installationId, job.repo)}#preview:${job.event.ref.name}`;
  return environmentKey(job.installationId, job.repo, job.event.ref);
}

/** Who a rollback is recorded as: no person asked for it, branchline's failure policy did. */
export const ROLLBACK_ACTOR = "branchline (rollback)";

/**
 * Who caused the job's run, as the ledger (the deployment branchline records) keeps it: the person
 * who pressed the button, the push's sender, branchline itself for a rollback; null when the
 * reconciler found the ref without anyone asking.
 */
export function runActor(job: RefJob): string | null {
  switch (job.cause.kind) {
    case "button":
      return job.cause.user;
    case "rollback":
      return ROLLBACK_ACTOR;
    case "ref":
    case "follow":
    case "retire":
    case "idle":
    case "preview":
      return job.actor ?? null;
    case "mark":
      // A mark changes tags, never runs anything: no one to record.
      return null;
  }
}

/** The newer job runs; it remembers the older ones so their commits can be told they were superseded. */
export function supersede(old: RefJob, by: RefJob): RefJob {
  return { ...by, supersedes: [...old.supersedes, { ...old, supersedes: [] }, ...by.supersedes] };
}

/**
 * A client request token for one AWS mutation of a job: the same delivery and step give the same
 * token, so a redelivered webhook repeats nothing. CloudFormation and CodePipeline accept
 * `[a-zA-Z0-9][-a-zA-Z0-9]*`, at most 128.
 */
export function requestToken(deliveryId: string, step: string): string {
  const clean = `b${deliveryId}-${step}`.replace(/[^a-zA-Z0-9-]+/g, "-");
  if (clean.length <= 128) return clean;
  // Cut, the steps of one long id would share a token: keep a hash of the whole instead.
  const hash = createHash("sha256").update(`${deliveryId}\0${step}`, "utf8").digest("hex").slice(0, 32);
  return `${clean.slice(0, 95)}-${hash}`;
}
