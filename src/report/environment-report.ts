import { environmentLabel, type Environment, type RepositoryRef } from "../core/environment.js";
import type { EnvironmentNames } from "../core/naming.js";
import type { Step } from "../core/plan.js";
import type { ResourceChange, StackEventSummary } from "../core/stack-snapshot.js";
import type { RunStatus } from "../core/run-snapshot.js";
import type { RunDetails } from "../core/run-snapshot.js";
import type { UnmetCriterion } from "../core/promotion.js";
import type { RequiredCheckResult } from "../core/required-checks.js";
import { executionUrl, pipelineUrl, stackUrl } from "./console-links.js";
import { requiredChecksSection } from "./required-check-report.js";
import { renderRunTable } from "./run-table.js";
import { categorize } from "../core/preview-plan.js";
import type { CheckConclusion, CheckRunAction, CheckRunContent } from "../github/check-runs.js";
import { APPROVE_ACTION, REJECT_ACTION, REPROVISION_ACTION } from "../core/check-identity.js";

/** One environment at one commit: what a check run is about. */
export interface EnvironmentTarget {
  readonly repo: RepositoryRef;
  readonly environment: Environment;
  readonly commit: string;
  readonly names: EnvironmentNames;
  readonly region: string;
  readonly sandbox: boolean;
  /** This run redeploys the last good commit after `fromCommit` failed: said on every state of the check run. */
  readonly rollback?: { readonly fromCommit: string };
  /** Who may answer a manual approval, in words (shown while a run waits for one). */
  readonly approvers?: string;
  /** Who caused the run (a login, or `branchline (rollback)`): kept on the deployment for the ledger. */
  readonly actor?: string;
  /** Production: each `production.requireChecks` entry as evaluated on the commit, listed in every state. */
  readonly requiredChecks?: readonly RequiredCheckResult[];
}

/** Something a person must fix, with where to look. */
export type Problem =
  | {
      readonly kind: "file";
      readonly title: string;
      readonly problems: readonly LocatedMessage[];
      readonly hint: string;
    }
  | { readonly kind: "stack"; readonly message: string; readonly events: readonly StackEventSummary[] }
  | { readonly kind: "refused"; readonly message: string }
  | { readonly kind: "promotion"; readonly unmet: readonly UnmetCriterion[] }
  | { readonly kind: "error"; readonly message: string };

export interface LocatedMessage {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

/** What has been done so far for this environment and commit, in order. */
export interface Progress {
  readonly done: readonly string[];
  readonly changes: readonly ResourceChange[];
  /** Answers to people (a refused button press...), shown above the summary in every update. */
  readonly notes?: readonly string[];
}

export type Phase =
  | { readonly kind: "queued"; readonly why: string }
  | { readonly kind: "provisioning"; readonly next: readonly Step[] }
  | { readonly kind: "running"; readonly pipeline: string; readonly executionId: string; readonly run?: RunDetails }
  | {
      readonly kind: "finished";
      readonly pipeline: string;
      readonly executionId: string;
      readonly status: RunStatus;
      readonly detail?: string;
      readonly run?: RunDetails;
    }
  | { readonly kind: "superseded"; readonly byCommit: string | null }
  /** Not deployed, and not a failure of the commit: it waits for something outside it (room under the environment cap). */
  | { readonly kind: "held"; readonly title: string; readonly why: string }
  | { readonly kind: "failed"; readonly problem: Problem };

/** Check run contents for an environment in a phase: what happened, where, and what to do. */
export function renderCheckRun(
  target: EnvironmentTarget,
  progress: Progress,
  phase: Phase,
  now: Date = new Date(),
): CheckRunContent {
  const header = [...(progress.notes ?? []).map((note) => `> ${note}\n`), summaryHeader(target)].join("\n");
  const log = `${requiredChecksSection(target.requiredChecks)}${renderProgress(progress)}`;
  switch (phase.kind) {
    case "queued":
      return { status: "queued", title: "Queued", summary: `${header}\n\n${phase.why}` };
    case "provisioning":
      return {
        status: "in_progress",
        title: `Provisioning ${target.names.stack}`,
        summary: `${header}\n\nNext: ${phase.next.map(describeStep).join(", then ")}.${log}`,
      };
    case "running": {
      const waiting = phase.run ? waitingApproval(phase.run) : null;
      const approval = waiting
        ? `\n\n### Approval needed\n**${waiting.stage} / ${waiting.action}** waits for a decision before the run goes on. ${capitalise(target.approvers ?? "People with write access may answer")}: press **Approve** or **Reject** above.`
        : "";
      return {
        status: "in_progress",
        title: titled(target, waiting ? "Waiting for approval" : "Pipeline running"),
        summary: `${header}\n\nExecution [${phase.executionId}](${executionUrl(target, phase.pipeline, phase.executionId)}) runs commit \`${target.commit}\`.${approval}${approvalRecord(phase.run)}${log}`,
        externalId: phase.executionId,
        detailsUrl: executionUrl(target, phase.pipeline, phase.executionId),
        ...(phase.run ? { text: renderRunTable(phase.run, now) } : {}),
        // Always sent: the buttons go away as soon as nothing waits any more.
        actions: waiting ? approvalActions() : [],
      };
    }
    case "finished": {
      const outcome = runOutcome(phase.status);
      return {
        status: "completed",
        conclusion: outcome.conclusion,
        title: titled(target, outcome.title),
        summary: `${header}\n\nExecution [${phase.executionId}](${executionUrl(target, phase.pipeline, phase.executionId)}) ${outcome.sentence}${phase.detail ? `: ${phase.detail}` : "."}${approvalRecord(phase.run)}${log}`,
        externalId: phase.executionId,
        detailsUrl: executionUrl(target, phase.pipeline, phase.executionId),
        ...(phase.run ? { text: renderRunTable(phase.run, now) } : {}),
        actions: [reprovisionAction(target)],
      };
    }
    case "superseded":
      return {
        status: "completed",
        conclusion: "neutral",
        title: "Superseded",
        summary: `${header}\n\nA newer ${phase.byCommit ? `commit (\`${phase.byCommit.slice(0, 12)}\`)` : "event"} for this environment arrived before this one was deployed, so only the newer one runs.`,
      };
    case "held":
      return {
        status: "completed",
        conclusion: "neutral",
        title: phase.title,
        summary: `${header}\n\n${phase.why}`,
        actions: [],
      };
    case "failed": {
      const problem = renderProblem(phase.problem);
      return {
        status: "completed",
        conclusion: "failure",
        title: problem.title,
        summary: `${header}\n\n${problem.summary}${log}`,
        actions: [reprovisionAction(target)],
      };
    }
  }
}

/** Approve and Reject, shown while a run waits at a manual approval. */
export function approvalActions(): CheckRunAction[] {
  return [
    { label: "Approve", description: "Let the pipeline go on past its approval", identifier: APPROVE_ACTION },
    { label: "Reject", description: "Stop the run at its approval (it fails)", identifier: REJECT_ACTION },
  ];
}

/** The manual approval a run waits at, if any: an Approval action in progress. */
export function waitingApproval(run: RunDetails): { stage: string; action: string } | null {
  for (const stage of run.stages) {
    const action = stage.actions.find((a) => a.category === "Approval" && a.status === "InProgress");
    if (action) return { stage: stage.name, action: action.name };
  }
  return null;
}

/** Answered approvals, with what CodePipeline keeps of the answer (who, and when). */
function approvalRecord(run: RunDetails | undefined): string {
  if (!run) return "";
  const answered = run.stages.flatMap((stage) =>
    stage.actions
      .filter((a) => a.category === "Approval" && (a.status === "Succeeded" || a.status === "Failed"))
      .map(
        (a) =>
          `- ${a.status === "Succeeded" ? "✅ approved" : "❌ rejected"}: **${stage.name} / ${a.name}**${a.summary ? ` — ${a.summary}` : ""}`,
      ),
  );
  return answered.length > 0 ? `\n\n### Approval\n${answered.join("\n")}` : "";
}

function titled(target: EnvironmentTarget, title: string): string {
  return target.rollback ? `Rollback: ${title.charAt(0).toLowerCase()}${title.slice(1)}` : title;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The Re-provision button: a branch environment is rebuilt from scratch, a shared one updated in place. */
export function reprovisionAction(target: EnvironmentTarget): CheckRunAction {
  return {
    label: "Re-provision",
    description:
      target.environment.kind === "branch"
        ? "Rebuild the stack from scratch, then run"
        : "Update this stack in place, then run",
    identifier: REPROVISION_ACTION,
  };
}

function runOutcome(status: RunStatus): { conclusion: CheckConclusion; title: string; sentence: string } {
  switch (status) {
    case "Succeeded":
      return { conclusion: "success", title: "Pipeline succeeded", sentence: "succeeded" };
    case "Failed":
      return { conclusion: "failure", title: "Pipeline failed", sentence: "failed" };
    // A newer run overtook this one, or the pipeline was changed under it: not the commit's fault.
    case "Superseded":
      return { conclusion: "neutral", title: "Superseded by a newer run", sentence: "was superseded by a newer run" };
    case "Cancelled":
      return {
        conclusion: "cancelled",
        title: "Pipeline run cancelled",
        sentence: "was cancelled (the pipeline was updated while it ran)",
      };
    case "Stopped":
    case "Stopping":
      return { conclusion: "cancelled", title: "Pipeline run stopped", sentence: "was stopped" };
    case "InProgress":
      return { conclusion: "neutral", title: "Pipeline still running", sentence: "is still running" };
  }
}

function renderProblem(problem: Problem): { title: string; summary: string } {
  switch (problem.kind) {
    case "file":
      return {
        title: problem.title,
        summary: [
          ...problem.problems.map((p) => `- \`${p.file}:${p.line}:${p.column}\`: ${p.message}`),
          "",
          problem.hint,
        ].join("\n"),
      };
    case "stack":
      return {
        title: "Stack operation failed",
        summary: [
          problem.message,
          ...(problem.events.length > 0
            ? [
                "",
                "CloudFormation said:",
                ...problem.events.map((e) => `- **${e.logicalId}** (${e.resourceType}) ${e.status}: ${e.reason}`),
              ]
            : []),
          "",
          "Fix the template or parameters and push again; branchline replans from the stack's current state.",
        ].join("\n"),
      };
    case "refused":
      return { title: "Refused", summary: problem.message };
    case "promotion":
      return {
        title: `Not promoted: ${problem.unmet.length} ${problem.unmet.length === 1 ? "criterion" : "criteria"} unmet`,
        summary: [
          "This release was not deployed to production, and nothing was changed in AWS:",
          "",
          ...problem.unmet.map((u) => `- **${u.criterion}**: ${u.message}. ${u.fix}`),
          "",
          "The criteria are `production:` in `.github/branchline.yml` (the README's config reference explains each).",
        ].join("\n"),
      };
    case "error":
      return {
        title: "branchline could not finish",
        summary: `${problem.message}\n\nThis is not a problem with your commit. Re-run this check, or push again, once it is resolved.`,
      };
  }
}

function summaryHeader(target: EnvironmentTarget): string {
  const lines = [
    `**Environment** ${environmentLabel(target.environment)} · **Commit** \`${target.commit.slice(0, 12)}\``,
    `**Stack** [${target.names.stack}](${stackUrl(target)}) · **Pipeline** [${target.names.pipeline}](${pipelineUrl(target)}) · **Region** ${target.region}`,
  ];
  if (target.rollback) {
    lines.unshift(
      `> **Rollback.** The run of commit \`${target.rollback.fromCommit.slice(0, 12)}\` failed, so branchline redeploys this commit, the environment's last good release. A failed rollback is not rolled back again.\n`,
    );
  }
  if (target.sandbox) {
    lines.unshift(
      "> **Sandbox.** AWS is emulated on the machine running branchline; nothing was deployed to an AWS account.\n",
    );
  }
  return lines.join("\n");
}

function renderProgress(progress: Progress): string {
  const lines: string[] = [];
  if (progress.done.length > 0) lines.push("", "### Done", ...progress.done.map((d) => `- ${d}`));
  if (progress.changes.length > 0) {
    // Most dangerous first, as the staging preview lists them: stateful replacements, then access changes.
    const ordered = categorize(progress.changes);
    const lost = ordered.filter((c) => c.category === "stateful-replacement" || c.category === "stateful-removal");
    lines.push("", "### Resource changes");
    if (lost.length > 0)
      lines.push(
        `:warning: Stateful ${lost.length === 1 ? "resource" : "resources"} ${lost.map((c) => `\`${c.logicalId}\` (${c.verb})`).join(", ")}: what ${lost.length === 1 ? "it" : "they"} held is not carried over.`,
        "",
      );
    lines.push("| Change | Resource | Type | Replaced |", "| --- | --- | --- | --- |");
    for (const c of ordered) {
      lines.push(
        `| ${changeWord(c.action)} | ${c.logicalId} | ${c.resourceType} | ${c.replacement === "True" ? "yes" : c.replacement === "Conditional" ? "maybe" : "no"} |`,
      );
    }
  }
  return lines.length > 0 ? `\n${lines.join("\n")}` : "";
}

function changeWord(action: ResourceChange["action"]): string {
  switch (action) {
    case "Add":
      return "added";
    case "Modify":
      return "modified";
    case "Remove":
      return "removed";
    case "Import":
      return "imported";
    case "Dynamic":
      return "decided at deploy time";
  }
}

export function describeStep(step: Step): string {
  switch (step.kind) {
    case "create":
      return "create the stack";
    case "update":
      return "update the stack";
    case "delete":
      return `delete the stack (${step.why})`;
    case "continue-rollback":
      return "continue the failed rollback";
    case "start-run":
      return "start the pipeline";
    case "wait":
      return `wait (${step.why})`;
    case "refuse":
      return `stop (${step.why})`;
  }
}
