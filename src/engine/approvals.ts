import { isStaleApproval, putApprovalResult, waitingApprovals, type ApprovalAnswer } from "../aws/approvals.js";
import { readConfig } from "../config/config-cache.js";
import { CONFIG_PATH, productionPolicy, type BranchlineConfig } from "../config/schema.js";
import { environmentLabel, repositoryFullName, type Environment, type RepositoryRef } from "../core/environment.js";
import { namesOf } from "./environment-names.js";
import { describeApprovers, mayApprove, type ApproverRules } from "../core/approvers.js";
import { addNote } from "../github/check-runs.js";
import { findDeployment, setDeploymentStatus } from "../github/deployments.js";
import type { InstallationOctokit } from "../github/octokit.js";
import { repositoryRole } from "../github/permissions.js";
import { teamsOf } from "../github/promotion-facts.js";
import { awsFor, type Runtime } from "./runtime.js";

/** Who may answer an environment's manual approval: production's approvers, elsewhere the redeploy role. */
export function approverRules(config: BranchlineConfig, environment: Environment): ApproverRules {
  if (environment.kind === "production") return productionPolicy(config).approval.approvers;
  return { users: [], teams: [], minimumPermission: config.permissions.redeploy };
}

export function approversText(config: BranchlineConfig, environment: Environment): string {
  return describeApprovers(approverRules(config, environment));
}

/** A press of Approve or Reject on a check run. */
export interface ApprovalClick {
  readonly deliveryId: string;
  readonly installationId: number;
  readonly repo: RepositoryRef;
  readonly defaultBranch: string;
  readonly environment: Environment;
  readonly checkRunId: number;
  readonly commit: string;
  /** The execution the check run reports (its external_id). */
  readonly executionId: string | null;
  readonly decision: "approve" | "reject";
  readonly user: string;
}

export type ApprovalOutcome = "answered" | "refused" | "nothing-waiting" | "no-config";

/**
 * Answers a manual approval for the person who pressed the button, if GitHub says, now, that they
 * may. The token is read from GetPipelineState at this moment, and only for the execution this check
 * run reports: a click on an old check run can never approve a newer run. This runs in the webhook
 * handler, not in a lane: it is a few quick calls, and a queued release must never hold it up or
 * supersede it.
 */
export async function answerApproval(runtime: Runtime, click: ApprovalClick): Promise<ApprovalOutcome> {
  const log = runtime.log.child({
    delivery: click.deliveryId,
    repository: repositoryFullName(click.repo),
    user: click.user,
    decision: click.decision,
  });
  const octokit = await runtime.octokitFor(click.installationId);
  // A run this process follows keeps the note in every later update; otherwise it is written once.
  const live = [...(runtime.promotion?.liveRuns.values() ?? [])].find(
    (run) => run.check.checkRunId === click.checkRunId,
  );
  const note = (text: string) => (live ? live.check.note(text) : addNote(octokit, click.repo, click.checkRunId, text));
  // Who may approve is decided on the file as it is now (ConfigRead.fresh).
  const loaded = await readConfig(runtime.configs, {
    octokit,
    installationId: click.installationId,
    repo: click.repo,
    defaultBranch: click.defaultBranch,
    fresh: true,
  });
  if (loaded.kind !== "valid") {
    await note(
      `@${click.user} pressed ${verb(click)}, but \`${CONFIG_PATH}\` on the default branch ${loaded.kind === "absent" ? "is missing" : "cannot be used"}, so no one can be checked as an approver; nothing was answered.`,
    );
    return "no-config";
  }
  const config = loaded.config;
  const rules = approverRules(config, click.environment);
  const role = await repositoryRole(octokit, click.repo, click.user);
  const teams =
    rules.teams.length > 0
      ? await teamsOf(octokit, click.repo, click.user, rules.teams, (team, error) =>
          log.warn({ err: error, team }, "could not read a team membership"),
        )
      : [];
  const verdict = mayApprove(rules, { user: click.user, role, teams });
  if (!verdict.allowed) {
    await note(
      `@${click.user} pressed ${verb(click)}, but was not allowed to: ${verdict.why}. Nothing was answered; the run still waits. The approvers are set in \`${CONFIG_PATH}\` (\`production.approval.approvers\`).`,
    );
    log.info({ role, why: verdict.why }, "approval refused");
    return "refused";
  }
  if (click.executionId === null) {
    await note(
      `@${click.user} pressed ${verb(click)}, but this check run reports no pipeline run; nothing was answered.`,
    );
    return "nothing-waiting";
  }

  // Only the pipeline branchline named for the environment this check run reports, never one a
  // stack's outputs name: a branch's Approve must not answer production's approval.
  const pipeline = (await namesOf(runtime, config.stackPrefix, click.repo, click.environment)).pipeline;
  const waiting = await waitingApprovals(
    awsFor(runtime, click.environment.kind).codepipeline,
    pipeline,
    click.executionId,
  );
  if (waiting.length === 0) {
    await note(
      `@${click.user} pressed ${verb(click)}, but nothing waits for approval in execution ${click.executionId} any more (it was answered already, or the run moved on); nothing was changed.`,
    );
    return "nothing-waiting";
  }
  const status: ApprovalAnswer = click.decision === "approve" ? "Approved" : "Rejected";
  const at = new Date().toISOString();
  const record = `${status} by @${click.user} (${verdict.as}) on GitHub at ${at}`;
  for (const approval of waiting) {
    try {
      await putApprovalResult(awsFor(runtime, click.environment.kind).codepipeline, {
        pipeline,
        approval,
        status,
        summary: record,
      });
    } catch (error) {
      if (!isStaleApproval(error)) throw error;
      await note(
        `@${click.user} pressed ${verb(click)}, but ${approval.stage} / ${approval.action} had been answered already; nothing was changed.`,
      );
      return "nothing-waiting";
    }
  }
  log.info(
    { pipeline, executionId: click.executionId, approvals: waiting.map((w) => `${w.stage}/${w.action}`) },
    `approval ${status.toLowerCase()}`,
  );

  // Recorded where people look: the run's check run (now, and in every later update of it) and its deployment.
  // A followed run shows it in its next update (nudged below); another is noted on its check run now.
  if (live) live.check.record(record);
  else
    await note(record).catch((error: unknown) =>
      log.warn({ err: error }, "could not note the approval on the check run"),
    );
  await recordOnDeployment(octokit, click, record, await runtime.promotion?.appId()).catch((error: unknown) =>
    log.warn({ err: error }, "could not record the approval on the deployment"),
  );
  runtime.promotion?.nudge(pipeline, click.executionId);
  return "answered";
}

async function recordOnDeployment(
  octokit: InstallationOctokit,
  click: ApprovalClick,
  record: string,
  appId: number | undefined,
): Promise<void> {
  if (click.executionId === null) return;
  const deploymentId = await findDeployment(
    octokit,
    click.repo,
    click.commit,
    environmentLabel(click.environment),
    click.executionId,
    appId,
  );
  if (deploymentId === null) return;
  await setDeploymentStatus(octokit, click.repo, deploymentId, { state: "in_progress", description: record });
}

function verb(click: ApprovalClick): string {
  return click.decision === "approve" ? "**Approve**" : "**Reject**";
}
