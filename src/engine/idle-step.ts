import { describeStack } from "../aws/stacks.js";
import type { BranchlineConfig } from "../config/schema.js";
import { formatSpan } from "../core/duration.js";
import type { RepositoryRef } from "../core/environment.js";
import { environmentNames } from "../core/naming.js";
import type { ReconcileAction } from "../core/reconcile-plan.js";
import { checkRunName } from "../core/check-identity.js";
import { KEEP_LABEL } from "../core/idle-policy.js";
import { commentIdleWarning } from "../github/idle-comments.js";
import { addIdleNote, idleMarks } from "../github/idle-notes.js";
import { httpStatus, type InstallationOctokit } from "../github/octokit.js";
import { commitOf } from "../github/repository-files.js";
import { convergeStack } from "./converge-stack.js";
import { desiredStack } from "./desired-stack.js";
import { destroyEnvironment } from "./destroy-environment.js";
import { branchEnvironment } from "./idle-environments.js";
import type { RefJob } from "./ref-job.js";
import { ownAppId, type Runtime } from "./runtime.js";

type IdleCause = Extract<RefJob["cause"], { kind: "idle" }>;

/**
 * The warning a day before an idle environment ends: a comment on its pull request (which notifies
 * the people on it), or without one a note on its last run's check run; marked either way, so the
 * next pass knows it was given.
 */
export async function warnIdle(
  runtime: Runtime,
  installationId: number,
  repo: RepositoryRef,
  action: Extract<ReconcileAction, { kind: "idle" }>,
): Promise<void> {
  const octokit = await runtime.octokitFor(installationId);
  const now = runtime.now?.() ?? new Date();
  const when = action.deadline ? new Date(action.deadline) : now;
  const note = `**Idle environment**: branch \`${action.ref.name}\` has had no push for a while, so its environment will be ${action.then === "hibernate" ? "hibernated" : "torn down"} at ${when.toISOString()} (in ${formatSpan(when.getTime() - now.getTime())}). A push, or the \`${KEEP_LABEL}\` label on its pull request, keeps it (adding or removing the label starts the clock again).`;
  const appId = await runtime.promotion?.appId();
  // A comment is read back only by the App's id; without one (no App identity, e.g. a token's
  // run) the next pass could not find it and would comment again: the check run note then.
  if (
    action.pullNumber !== undefined &&
    appId !== undefined &&
    (await commented(runtime, octokit, repo, action.pullNumber, now, note))
  ) {
    runtime.log.info(
      { branch: action.ref.name, deadline: action.deadline, pull: action.pullNumber },
      "warned of an idle environment's end on its pull request",
    );
    return;
  }
  const marks = await idleMarks(octokit, repo, action.commit, checkRunName(branchEnvironment(action.ref.name)), appId);
  if (!marks) return;
  await addIdleNote(octokit, repo, marks.checkRunId, "warned", now, note);
  runtime.log.info(
    { branch: action.ref.name, deadline: action.deadline },
    "warned of an idle environment's end on its check run",
  );
}

/**
 * The comment, or false where GitHub refuses it with 403: an installation that has not accepted
 * `pull_requests: write` yet (app.yml asks for it since warnings became comments). The check run
 * note is the warning then, so an environment never goes unwarned, nor stays forever for want of one.
 */
async function commented(
  runtime: Runtime,
  octokit: InstallationOctokit,
  repo: RepositoryRef,
  pull: number,
  at: Date,
  note: string,
): Promise<boolean> {
  try {
    await commentIdleWarning(octokit, repo, pull, at, note);
    return true;
  } catch (error) {
    if (httpStatus(error) !== 403) throw error;
    runtime.log.warn(
      { repository: `${repo.owner}/${repo.name}`, pull },
      "GitHub refused the idle warning comment (has the installation accepted pull_requests: write?); noting the check run instead",
    );
    return false;
  }
}

/**
 * An idle environment's end, in its own lane: hibernated (the template's `BranchlineHibernate`
 * set to true) or torn down. A push that waited in the lane is newer intent and goes instead; and
 * the branch is read again, so a push since the pass decided always wins.
 */
export async function idleStep(
  runtime: Runtime,
  octokit: InstallationOctokit,
  job: RefJob,
  config: BranchlineConfig,
  cause: IdleCause,
  runNewer: (job: RefJob) => Promise<void>,
): Promise<void> {
  const branch = job.event.ref.name;
  const log = runtime.log.child({ delivery: job.deliveryId, branch, step: cause.step });
  const newer = job.supersedes.filter((older) => older.cause.kind !== "idle");
  const latest = newer.at(-1);
  if (latest) {
    log.info("a push waited behind the idle step; it goes instead");
    await runNewer({ ...latest, supersedes: newer.slice(0, -1) });
    return;
  }
  const head = await commitOf(octokit, job.repo, `refs/heads/${branch}`);
  if (head !== null && head !== cause.commit) {
    log.info({ head }, "the branch moved since the idle look; it is not idle");
    return;
  }
  const environment = branchEnvironment(branch);
  const names = environmentNames(config.stackPrefix, job.repo, environment);
  const now = runtime.now?.() ?? new Date();
  switch (cause.step) {
    case "teardown": {
      await destroyEnvironment(runtime, octokit, job, config, environment);
      if ((await describeStack(runtime.aws.cloudformation, names.stack)) !== null) return; // not gone: the log says why
      await mark(
        runtime,
        octokit,
        job.repo,
        cause.commit,
        branch,
        "torn-down",
        now,
        `**Torn down**: ${cause.why}. Nothing of this environment is left in AWS; the next push to \`${branch}\` recreates it.`,
      );
      log.info({ why: cause.why }, "idle environment torn down");
      return;
    }
    case "hibernate": {
      const desired = await desiredStack({
        octokit,
        repo: job.repo,
        defaultBranch: job.defaultBranch,
        config,
        environment,
        names,
        commit: cause.commit,
        templates: runtime.templates,
        requireRole: runtime.requireRoles ?? false,
        hibernate: true,
      });
      if ("problem" in desired) {
        log.warn(
          { problem: desired.problem },
          "could not read the template to hibernate the environment; it stays as it is",
        );
        return;
      }
      const result = await convergeStack(
        runtime,
        { repo: job.repo, environment, names, deliveryId: job.deliveryId },
        desired.inputs,
      );
      if (result.kind !== "ready-to-run") {
        log.warn({ result }, "the environment was not hibernated");
        return;
      }
      await mark(
        runtime,
        octokit,
        job.repo,
        cause.commit,
        branch,
        "hibernated",
        now,
        `**Hibernated**: ${cause.why}. Its stack stays, with \`BranchlineHibernate\` set to \`true\`; the next push to \`${branch}\` wakes it.`,
      );
      log.info({ why: cause.why }, "idle environment hibernated");
      return;
    }
  }
}

async function mark(
  runtime: Runtime,
  octokit: InstallationOctokit,
  repo: RepositoryRef,
  commit: string,
  branch: string,
  what: "torn-down" | "hibernated",
  at: Date,
  note: string,
): Promise<void> {
  const marks = await idleMarks(
    octokit,
    repo,
    commit,
    checkRunName(branchEnvironment(branch)),
    await ownAppId(runtime),
  );
  if (marks) await addIdleNote(octokit, repo, marks.checkRunId, what, at, note);
}
