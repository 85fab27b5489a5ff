import { readConfig } from "../config/config-cache.js";
import { CONFIG_PATH } from "../config/schema.js";
import { repositoryFullName, type RepositoryRef } from "../core/environment.js";
import { hasPermission } from "../core/permissions.js";
import { addNote, fit } from "../github/check-runs.js";
import type { InstallationOctokit } from "../github/octokit.js";
import { repositoryRole } from "../github/permissions.js";
import type { Runtime } from "./runtime.js";

/** A press of Acknowledge on a staging preview that replaces stateful resources. */
export interface AcknowledgeClick {
  readonly deliveryId: string;
  readonly installationId: number;
  readonly repo: RepositoryRef;
  readonly defaultBranch: string;
  readonly checkRunId: number;
  readonly user: string;
}

export type AcknowledgeOutcome = "acknowledged" | "refused" | "no-config";

/**
 * Acknowledge turns an `action_required` preview into a success, for people whose role is at least
 * `permissions.redeploy` (the rule of every branchline button), as GitHub says at the click. It only
 * writes to GitHub, so it is answered in the webhook handler, like Approve and Reject.
 */
export async function acknowledgePreview(runtime: Runtime, click: AcknowledgeClick): Promise<AcknowledgeOutcome> {
  const log = runtime.log.child({
    delivery: click.deliveryId,
    repository: repositoryFullName(click.repo),
    user: click.user,
  });
  const octokit = await runtime.octokitFor(click.installationId);
  // Whose role suffices is decided on the file as it is now (ConfigRead.fresh).
  const loaded = await readConfig(runtime.configs, {
    octokit,
    installationId: click.installationId,
    repo: click.repo,
    defaultBranch: click.defaultBranch,
    fresh: true,
  });
  if (loaded.kind !== "valid") {
    await addNote(
      octokit,
      click.repo,
      click.checkRunId,
      `@${click.user} pressed Acknowledge, but \`${CONFIG_PATH}\` on the default branch cannot be used, so their role cannot be checked; nothing changed.`,
    );
    return "no-config";
  }
  const required = loaded.config.permissions.redeploy;
  const role = await repositoryRole(octokit, click.repo, click.user);
  if (!hasPermission(role, required)) {
    await addNote(
      octokit,
      click.repo,
      click.checkRunId,
      `@${click.user} pressed Acknowledge, but that needs the **${required}** role on this repository (they have ${role}); the preview still needs an acknowledgement.`,
    );
    log.info({ role, required }, "acknowledge refused");
    return "refused";
  }
  await acknowledged(octokit, click);
  log.info("preview acknowledged");
  return "acknowledged";
}

async function acknowledged(octokit: InstallationOctokit, click: AcknowledgeClick): Promise<void> {
  const current = await octokit.rest.checks.get({
    owner: click.repo.owner,
    repo: click.repo.name,
    check_run_id: click.checkRunId,
  });
  const output = current.data.output;
  await octokit.rest.checks.update({
    owner: click.repo.owner,
    repo: click.repo.name,
    check_run_id: click.checkRunId,
    status: "completed",
    conclusion: "success",
    completed_at: new Date().toISOString(),
    actions: [],
    output: {
      title: `Acknowledged by @${click.user}: ${output.title ?? ""}`.slice(0, 255),
      summary: fit(`> Acknowledged by @${click.user} at ${new Date().toISOString()}.\n\n${output.summary ?? ""}`),
    },
  });
}
