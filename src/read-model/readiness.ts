import { evaluatePromotion, type PromotionCriteria, type StagingEvidence } from "../core/promotion.js";
import type { RequiredCheckResult } from "../core/required-checks.js";

/** One promotion criterion for one commit, as the readiness page lists it. */
export interface CriterionView {
  readonly key: string;
  readonly label: string;
  /** null: decided only when someone tags (which tag, who). */
  readonly met: boolean | null;
  readonly detail: string;
  readonly url: string | null;
}

export interface CommitReadiness {
  readonly commit: string;
  readonly message: string;
  readonly author: string | null;
  readonly committedAt: string | null;
  /** Every criterion that can be known before tagging is met. */
  readonly ready: boolean;
  readonly criteria: readonly CriterionView[];
}

export interface CommitFacts {
  readonly commit: string;
  readonly message: string;
  readonly author: string | null;
  readonly committedAt: string | null;
  readonly staging: StagingEvidence;
  readonly requiredChecks: readonly RequiredCheckResult[];
}

/**
 * Which of the newest default-branch commits could go to production now, and what is missing for
 * the others: the same pure decision as the production gate (src/core/promotion.ts), over facts a
 * commit of the default branch has (it is on the default branch by construction). What depends on
 * the tag and on who pushes it is listed, not decided.
 */
export function commitReadiness(
  criteria: PromotionCriteria,
  defaultBranch: string,
  facts: CommitFacts,
): CommitReadiness {
  const decision = evaluatePromotion(
    { ...criteria, allowedTags: undefined, allowedActors: undefined },
    {
      tag: "",
      commit: facts.commit,
      defaultBranch,
      actor: null,
      reachability: "reachable",
      staging: facts.staging,
      requiredChecks: facts.requiredChecks,
    },
  );
  const unmet = decision.allowed ? [] : decision.unmet;
  const list: CriterionView[] = [];
  if (criteria.requireOnDefaultBranch)
    list.push({
      key: "on-default-branch",
      label: `on ${defaultBranch}`,
      met: true,
      detail: `the commit is on ${defaultBranch}`,
      url: null,
    });
  if (criteria.requireStagingSuccess) {
    const problem = unmet.find((u) => u.criterion === "staging-success");
    list.push({
      key: "staging-success",
      label: "staging succeeded",
      met: !problem,
      detail: problem ? stripMarkdown(problem.message) : "staging ran this commit successfully",
      url: null,
    });
  }
  for (const result of facts.requiredChecks) {
    list.push({
      key: "required-check",
      label: stripMarkdown(result.label),
      met: result.met,
      detail: stripMarkdown(`${result.detail}${result.reportedBy ? `, reported by ${result.reportedBy}` : ""}`),
      url: result.url,
    });
  }
  if (criteria.allowedTags !== undefined)
    list.push({
      key: "allowed-tag",
      label: "release tag",
      met: null,
      detail: `the tag must match ${criteria.allowedTags.join(", ")}`,
      url: null,
    });
  if (criteria.allowedActors !== undefined) {
    const who = [
      ...criteria.allowedActors.users.map((u) => `@${u}`),
      ...criteria.allowedActors.teams.map((t) => `team ${t}`),
    ];
    list.push({
      key: "allowed-actor",
      label: "who tags",
      met: null,
      detail: `only ${who.join(", ") || "no one"} may promote`,
      url: null,
    });
  }
  return {
    commit: facts.commit,
    message: facts.message,
    author: facts.author,
    committedAt: facts.committedAt,
    ready: decision.allowed,
    criteria: list,
  };
}

function stripMarkdown(text: string): string {
  return text.replace(/`/g, "");
}
