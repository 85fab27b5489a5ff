import { randomUUID } from "node:crypto";
import { matchesAny } from "../core/glob.js";
import type { Environment } from "../core/environment.js";
import type { GitRef } from "../core/routing.js";
import type { ApprovalClick, ApprovalOutcome } from "../engine/approvals.js";
import type { RefJob } from "../engine/ref-job.js";
import type { GitHubReads } from "./github-reads.js";
import type { VisibleRepository } from "./github-user.js";

export const ACTIONS = ["approve", "reject", "rerun", "reprovision"] as const;
export type ActionName = (typeof ACTIONS)[number];

export function isActionName(value: string): value is ActionName {
  return (ACTIONS as readonly string[]).includes(value);
}

export type ActionResult =
  | { readonly kind: "answered" | "refused" | "nothing-waiting" | "no-config"; readonly message: string }
  | { readonly kind: "submitted"; readonly message: string }
  | { readonly kind: "unavailable"; readonly message: string };

/** What a press of a button does: the same two doors the check run's buttons open. */
export interface ActionDoors {
  readonly answerApproval: (click: ApprovalClick) => Promise<ApprovalOutcome>;
  readonly submit: (job: RefJob) => void;
}

export interface ActionRequest {
  readonly repo: VisibleRepository;
  readonly environment: Environment;
  readonly label: string;
  readonly commit: string;
  readonly executionId: string;
  readonly action: ActionName;
  /** The person pressing, as GitHub named them at login. */
  readonly user: string;
}

/**
 * A button on the page is the check run's button pressed by the same person: Approve and Reject go
 * to `answerApproval` (who may answer is decided there, from GitHub, now), Re-run and Re-provision
 * become the same button job the check run's would (whose permission the engine checks). The page
 * decides nothing itself, so the rules cannot drift apart.
 */
export async function pressButton(
  doors: ActionDoors,
  github: GitHubReads,
  request: ActionRequest,
): Promise<ActionResult> {
  if (request.repo.fork)
    return { kind: "unavailable", message: "This repository is a fork: branchline never acts on forks." };
  const checkRunId = await github.checkRunId(request.commit, request.label);
  if (checkRunId === null) {
    return {
      kind: "unavailable",
      message: `There is no branchline check run for ${request.label} on commit ${request.commit.slice(0, 12)}, so there is nothing to press.`,
    };
  }
  const base = {
    installationId: request.repo.installationId,
    repo: { owner: request.repo.owner, name: request.repo.name },
    defaultBranch: request.repo.defaultBranch,
  };
  const deliveryId = `web-${randomUUID()}`;
  switch (request.action) {
    case "approve":
    case "reject": {
      const outcome = await doors.answerApproval({
        ...base,
        deliveryId,
        environment: request.environment,
        checkRunId,
        commit: request.commit,
        executionId: request.executionId,
        decision: request.action,
        user: request.user,
      });
      return { kind: outcome, message: approvalMessage(outcome, request) };
    }
    case "rerun":
    case "reprovision": {
      const ref = await refOf(github, request);
      if (!ref)
        return {
          kind: "unavailable",
          message: `No release tag points at commit ${request.commit.slice(0, 12)}, so production cannot be run again from here.`,
        };
      const environment: Environment =
        request.environment.kind === "production" ? { kind: "production", tag: ref.name } : request.environment;
      doors.submit({
        ...base,
        deliveryId,
        event: { kind: "updated", ref, commit: request.commit },
        cause: { kind: "button", action: request.action, user: request.user, checkRunId, environment },
        supersedes: [],
      });
      return {
        kind: "submitted",
        message: `Asked to ${request.action === "rerun" ? "re-run" : "re-provision"} ${request.label} as @${request.user}; the check run shows whether it was allowed and how it goes.`,
      };
    }
  }
}

async function refOf(github: GitHubReads, request: ActionRequest): Promise<GitRef | null> {
  if (request.environment.kind !== "production") return { type: "branch", name: request.environment.branch };
  const config = await github.config();
  const patterns = config ? [...config.releaseTags] : ["*"];
  const tag = (await github.tagsAt(request.commit)).find((name) => matchesAny(name, patterns));
  return tag ? { type: "tag", name: tag } : null;
}

function approvalMessage(outcome: ApprovalOutcome, request: ActionRequest): string {
  const verb = request.action === "approve" ? "Approve" : "Reject";
  switch (outcome) {
    case "answered":
      return `${verb} recorded for @${request.user}.`;
    case "refused":
      return `@${request.user} may not answer this approval; nothing was changed (the check run says why).`;
    case "nothing-waiting":
      return "Nothing waits for approval in this run any more; nothing was changed.";
    case "no-config":
      return "The repository's .github/branchline.yml is missing or unusable, so no approver can be checked; nothing was changed.";
  }
}
