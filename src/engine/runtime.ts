import type { Logger } from "probot";
import type { AwsClients } from "../aws/clients.js";
import type { KindClients } from "../aws/kind-clients.js";
import type { EnvironmentKind } from "../core/environment.js";
import type { WaitBounds } from "../aws/stacks.js";
import type { Debounce } from "./work-queue.js";
import type { TemplateStore } from "../aws/template-store.js";
import type { ConfigCache } from "../config/config-cache.js";
import type { RepositoryRef } from "../core/environment.js";
import type { OctokitFactory } from "../github/octokit.js";
import type { Outbox } from "../github/outbox.js";
import type { PromotionServices } from "./promotion-services.js";
import type { RefJob } from "./ref-job.js";
import type { StackDirectory } from "./stack-directory.js";

/** Everything the engine needs from the outside world, passed in so tests choose every part. */
export interface Runtime {
  readonly octokitFor: OctokitFactory;
  /** The installation that covers a repository, or null when the App is not installed there. */
  readonly installationOf: (repo: RepositoryRef) => Promise<number | null>;
  /** Reads, and everything not of one environment (listings, template uploads). */
  readonly aws: AwsClients;
  /** The clients that change one kind's stacks and pipelines (its App kind role); unset, `aws` for every kind. */
  readonly kindAws?: KindClients;
  /** Repository configs kept a short while; unset, every job reads its config from GitHub. */
  readonly configs?: ConfigCache;
  /** Where templates over the inline limit go; unset, such templates are refused with a clear error. */
  readonly templates?: TemplateStore;
  readonly log: Logger;
  /** AWS itself (not an emulator): every kind needs its service role (`roles.<kind>`) to deploy. */
  readonly requireRoles?: boolean;
  /** Every check run says so when AWS is the in-process emulator. */
  readonly sandbox: boolean;
  /** How many environments may be worked on at once, across all repositories. */
  readonly concurrency: number;
  /** How long a job waits for a newer one in its lane before it starts (bursts of pushes coalesce). */
  readonly debounce?: Debounce;
  readonly stackWait: WaitBounds;
  /** How a started run is followed until it ends. */
  readonly runPoll: { readonly intervalMs: number; readonly maxMs: number };
  /** The clock idle environments are judged by (`branches.ttl`); tests pass a fake one. Default: the system's. */
  readonly now?: () => Date;
  /** Queues a job in its lane (an idle environment torn down to make room under the cap); unset in tools. */
  readonly submit?: (job: RefJob) => void;
  /**
   * GitHub's writes of check runs and deployments, queued per installation so AWS work never waits
   * for GitHub's pace; unset, each write is made in line (tools). Replicas have one each: their
   * queue keeps a look's messages until the writes it left here are sent (look-context's
   * leaveBehind), so a look on another machine never overtakes a write still waiting on this one.
   */
  readonly outbox?: Outbox;
  /** branchline's stacks by repository id, listed once and shared (a renamed repository's are found there); unset in tools. */
  readonly stacks?: StackDirectory;
  /** Promotion criteria, approvals, failure policy and notifications; unset where nothing is deployed (tools). */
  readonly promotion?: PromotionServices;
  /** branchline's App id where there are no promotion services (`branchline gc`): whose check runs and deployments count. */
  readonly appId?: () => Promise<number>;
}

/**
 * The clients to change an environment of this kind with: its kind role's session when the App has
 * kind roles (BRANCHLINE_APP_*_ROLE_ARN), so IAM refuses a branch's step on production's pipeline.
 */
export function awsFor(runtime: Pick<Runtime, "aws" | "kindAws">, kind: EnvironmentKind): AwsClients {
  return runtime.kindAws?.(kind) ?? runtime.aws;
}

/** branchline's App id, from the app's promotion services or a tool's runtime; undefined when neither knows it. */
export async function ownAppId(runtime: Pick<Runtime, "promotion" | "appId">): Promise<number | undefined> {
  return (await runtime.promotion?.appId()) ?? (await runtime.appId?.());
}
