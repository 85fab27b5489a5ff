import { readConfig } from "../config/config-cache.js";
import type { FileProblem } from "../core/file-problem.js";
import { CONFIG_PATH, type BranchlineConfig } from "../config/schema.js";
import { hasPermission } from "../core/permissions.js";
import { addNote } from "../github/check-runs.js";
import { repositoryRole } from "../github/permissions.js";
import { repositoryFullName } from "../core/environment.js";
import { route, type RefEvent } from "../core/routing.js";
import { createCheckRun } from "../github/check-runs.js";
import { EnvironmentCheck } from "../report/environment-check.js";
import { namesOf } from "./environment-names.js";
import type { InstallationOctokit } from "../github/octokit.js";
import { commitOf } from "../github/repository-files.js";
import { deployEnvironment } from "./deploy-environment.js";
import { rollbackTarget } from "./failure-policy.js";
import { destroyEnvironment } from "./destroy-environment.js";
import { capAllows } from "./cap-gate.js";
import { idleStep } from "./idle-step.js";
import { previewPullRequest } from "./preview-environment.js";
import { previewSetup } from "./setup-preview.js";
import { splitMarks, writeMarks } from "./stack-marks.js";
import type { RefJob } from "./ref-job.js";
import type { RunFollower } from "./run-follower.js";
import type { Runtime } from "./runtime.js";
import { CONFIG_CHECK_NAME } from "../core/check-identity.js";

/** A job's whole journey: config, routing, then the environment's deploy or teardown. */
export async function processRefJob(runtime: Runtime, follower: RunFollower, job: RefJob): Promise<void> {
  const log = runtime.log.child({
    delivery: job.deliveryId,
    repository: repositoryFullName(job.repo),
    ref: job.event.ref.name,
  });
  // Marks wait in the environment's lane like a deploy, and are written after the look's deploy.
  const { marks, rest } = splitMarks(job);
  if (marks.length > 0) {
    try {
      if (rest) await processRefJob(runtime, follower, rest);
    } finally {
      await writeMarks(runtime, marks);
    }
    return;
  }
  if (job.cause.kind === "retire") {
    // The repository is gone, read-only or out of reach: no config to read and nothing to write there.
    await destroyEnvironment(
      runtime,
      null,
      job,
      { stackPrefix: job.cause.stackPrefix },
      { kind: "branch", branch: job.event.ref.name },
    );
    return;
  }
  const octokit = await runtime.octokitFor(job.installationId);
  // A push to the default branch may change the config: read it fresh, and keep that.
  const fresh = job.event.ref.type === "branch" && job.event.ref.name === job.defaultBranch;
  const loaded = await readConfig(runtime.configs, {
    octokit,
    installationId: job.installationId,
    repo: job.repo,
    defaultBranch: job.defaultBranch,
    fresh,
  });
  switch (loaded.kind) {
    case "absent":
      // A pull request adding the first config gets a preview of what merging it would set up.
      if (job.cause.kind === "preview") await previewSetup(runtime, octokit, job, job.cause.head);
      else log.debug("no .github/branchline.yml; nothing to do");
      return;
    case "invalid":
      // A preview rides along with the pull request's own job, which reports the config once.
      if (job.cause.kind === "preview") return;
      await reportInvalidConfig(octokit, job, loaded.problems);
      log.info({ problems: loaded.problems.length }, "config is invalid; reported on the commit");
      return;
    case "valid":
      break;
  }
  const config = loaded.config;
  if (job.cause.kind === "button") {
    await pressButton(runtime, follower, octokit, job, config, job.cause);
    return;
  }
  if (job.cause.kind === "rollback") {
    await rollBack(runtime, follower, octokit, job, config, job.cause);
    return;
  }
  if (job.cause.kind === "preview") {
    await previewPullRequest(runtime, octokit, job, config, job.cause);
    return;
  }
  if (job.cause.kind === "idle") {
    await idleStep(runtime, octokit, job, config, job.cause, (newer) => processRefJob(runtime, follower, newer));
    return;
  }
  // The webhook's commit (or deletion) is a hint: what GitHub says the ref is now decides, so a
  // late, redelivered or reordered event can neither move an environment back nor destroy a branch.
  const head = await commitOf(octokit, job.repo, fullRef(job));
  const truth: RefEvent =
    head === null ? { kind: "deleted", ref: job.event.ref } : { kind: "updated", ref: job.event.ref, commit: head };
  if (
    job.event.kind !== truth.kind ||
    (job.event.kind === "updated" && job.event.commit !== null && job.event.commit !== head)
  ) {
    log.info(
      { hinted: job.event.kind === "updated" ? (job.event.commit ?? "head") : "deleted", head },
      "the event is not what the ref is now; acting on the ref",
    );
  }
  const intent = route(truth, job.defaultBranch, config);
  switch (intent.action) {
    case "ignore":
      log.info({ reason: intent.reason }, "ignored");
      return;
    case "destroy":
      await destroyEnvironment(runtime, octokit, job, config, intent.environment);
      return;
    case "deploy": {
      const commit = head as string;
      await reportSuperseded(runtime, octokit, job, config, commit);
      if (!(await capAllows(runtime, octokit, job, config, intent.environment, commit))) return;
      await deployEnvironment(runtime, follower, { job, octokit, config, environment: intent.environment, commit });
      return;
    }
  }
}

/**
 * Re-run and Re-provision: honoured only for people whose role on the repository is at least the
 * configured one, as GitHub says at the moment of the click; others get a note on the check run.
 */
async function pressButton(
  runtime: Runtime,
  follower: RunFollower,
  octokit: InstallationOctokit,
  job: RefJob,
  config: BranchlineConfig,
  cause: Extract<RefJob["cause"], { kind: "button" }>,
): Promise<void> {
  const required = config.permissions.redeploy;
  const role = await repositoryRole(octokit, job.repo, cause.user);
  const verb = cause.action === "rerun" ? "re-run this check" : "re-provision this environment";
  if (!hasPermission(role, required)) {
    await addNote(
      octokit,
      job.repo,
      cause.checkRunId,
      `@${cause.user} asked to ${verb}, but that needs the **${required}** role on this repository (they have ${role}); nothing was changed. Someone with ${required} access can press the button, or \`permissions.redeploy\` in ${CONFIG_PATH} can be lowered.`,
    );
    runtime.log.info({ user: cause.user, role, required, action: cause.action }, "button refused");
    return;
  }
  if (job.event.kind !== "updated" || job.event.commit === null) return;
  await deployEnvironment(runtime, follower, {
    job,
    octokit,
    config,
    environment: cause.environment,
    commit: job.event.commit,
  });
}

/**
 * Redeploys an environment's last good commit after a run failed (`onFailure: redeploy-last-good`).
 * A push or tag that waited in the lane is newer intent than the rollback and goes instead; and the
 * ledger is read again, so a deployment that started since the failure is never undone.
 */
async function rollBack(
  runtime: Runtime,
  follower: RunFollower,
  octokit: InstallationOctokit,
  job: RefJob,
  config: BranchlineConfig,
  cause: Extract<RefJob["cause"], { kind: "rollback" }>,
): Promise<void> {
  const log = runtime.log.child({
    delivery: job.deliveryId,
    repository: repositoryFullName(job.repo),
    failed: cause.failedCommit,
  });
  const newer = job.supersedes.filter((older) => older.cause.kind !== "rollback");
  const latest = newer.at(-1);
  if (latest) {
    log.info(
      { commit: latest.event.kind === "updated" ? latest.event.commit : null },
      "a newer event waited behind the failure; it goes instead of the rollback",
    );
    await processRefJob(runtime, follower, { ...latest, supersedes: newer.slice(0, -1) });
    return;
  }
  if (job.event.kind !== "updated" || job.event.commit === null) return;
  const still = await rollbackTarget(runtime, octokit, job, config, cause.environment, cause.failedCommit);
  if (still.kind === "none" || still.commit !== job.event.commit) {
    log.info({ target: still }, "the rollback is no longer wanted; nothing to do");
    return;
  }
  await deployEnvironment(runtime, follower, {
    job,
    octokit,
    config,
    environment: cause.environment,
    commit: job.event.commit,
    rollback: { fromCommit: cause.failedCommit },
  });
}

async function reportInvalidConfig(
  octokit: InstallationOctokit,
  job: RefJob,
  problems: readonly FileProblem[],
): Promise<void> {
  const commit =
    job.event.kind === "updated" ? (job.event.commit ?? (await commitOf(octokit, job.repo, fullRef(job)))) : null;
  if (commit === null) return;
  await createCheckRun(octokit, job.repo, commit, CONFIG_CHECK_NAME, {
    status: "completed",
    conclusion: "failure",
    title: `${problems.length} problem${problems.length === 1 ? "" : "s"} in ${problems[0]?.file ?? "the config"}`,
    summary: [
      "branchline did not touch AWS: its config on the default branch cannot be used.",
      "",
      ...problems.map(
        (p) =>
          `- \`${p.file}:${p.position.line}:${p.position.column}\`${p.field ? ` \`${p.field}\`` : ""}: ${p.message}`,
      ),
      "",
      "Fix the file on the default branch; the next push deploys as usual. The README's config reference lists every field.",
    ].join("\n"),
  });
}

/**
 * Tells the commits this look will not run (older pushes it coalesced, and the event's own commit
 * when the ref has moved on) that they were superseded; a commit that already has its check run
 * (it ran, or was told before) is left as it is.
 */
async function reportSuperseded(
  runtime: Runtime,
  octokit: InstallationOctokit,
  job: RefJob,
  config: BranchlineConfig,
  commit: string,
): Promise<void> {
  const told = new Set<string>([commit]);
  for (const older of [...job.supersedes, job]) {
    if (older.event.kind !== "updated" || older.event.commit === null || told.has(older.event.commit)) continue;
    // A rollback replaced by a newer push was never a run of its commit: nothing to tell that commit.
    if (older.cause.kind === "rollback" || older.cause.kind === "idle" || older.cause.kind === "preview") continue;
    told.add(older.event.commit);
    const intent = route(older.event, older.defaultBranch, config);
    if (intent.action !== "deploy") continue;
    const check = await EnvironmentCheck.open(
      octokit,
      {
        repo: job.repo,
        environment: intent.environment,
        commit: older.event.commit,
        names: await namesOf(runtime, config.stackPrefix, job.repo, intent.environment),
        region: runtime.aws.region,
        sandbox: runtime.sandbox,
      },
      await runtime.promotion?.appId(),
      runtime.outbox?.lane(job.installationId),
    );
    if (check.existing) continue;
    await check.show({ kind: "superseded", byCommit: commit });
  }
}

function fullRef(job: RefJob): string {
  return `refs/${job.event.ref.type === "tag" ? "tags" : "heads"}/${job.event.ref.name}`;
}
