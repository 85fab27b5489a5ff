import { listManagedStacks } from "../aws/managed-stacks.js";
import { describeStack } from "../aws/stacks.js";
import { CONFIG_PATH, idleRules, type BranchlineConfig } from "../config/schema.js";
import { decideCap } from "../core/idle-policy.js";
import type { Environment } from "../core/environment.js";
import { environmentNames } from "../core/naming.js";
import { createCheckRun, findCheckRun, updateCheckRun, type CheckRunContent } from "../github/check-runs.js";
import { checkRunName } from "../core/check-identity.js";
import type { InstallationOctokit } from "../github/octokit.js";
import { openPullRequests } from "../github/pull-requests.js";
import { branchStacks, idleEnvironment } from "./idle-environments.js";
import { stacksOf } from "./reconcile-repository.js";
import type { RefJob } from "./ref-job.js";
import type { Runtime } from "./runtime.js";

/**
 * `branches.maxEnvironments` before a branch environment is created: room, room made by tearing
 * down the least recently pushed idle environments (each in its own lane), or none, which the
 * branch's check run says instead of a failed deploy. The reconcile pass tries it again later.
 * An environment that has a stack already (an update, a wake-up) is never held back.
 */
export async function capAllows(runtime: Runtime, octokit: InstallationOctokit, job: RefJob, config: BranchlineConfig, environment: Environment, commit: string): Promise<boolean> {
  const rules = idleRules(config);
  if (rules.maxEnvironments === null || environment.kind !== "branch") return true;
  const names = environmentNames(config.stackPrefix, job.repo, environment);
  if ((await describeStack(runtime.aws.cloudformation, names.stack)) !== null) return true;
  const managed = stacksOf(await listManagedStacks(runtime.aws.cloudformation), job.repo).filter(({ stack }) => stack.name !== names.stack);
  const others = await branchStacks(runtime.aws.codepipeline, managed);
  const pulls = await openPullRequests(octokit, job.repo);
  const heads = new Map<string, string>();
  for (const other of others) heads.set(other.branch, other.activity.lastRunCommit ?? "");
  const now = runtime.now?.() ?? new Date();
  const decision = decideCap(others.map((other) => idleEnvironment(other, heads.get(other.branch) ?? "", pulls, now)), rules);
  switch (decision.kind) {
    case "room":
      return true;
    case "evict":
      for (const victim of decision.victims) {
        runtime.log.info({ victim: victim.branch, for: environment.branch }, "tearing down the least recently pushed idle environment to make room");
        runtime.submit?.({
          deliveryId: `${job.deliveryId}-room-${victim.stackName}`,
          installationId: job.installationId,
          repo: job.repo,
          defaultBranch: job.defaultBranch,
          event: { kind: "updated", ref: { type: "branch", name: victim.branch }, commit: victim.head },
          cause: { kind: "idle", step: "teardown", commit: victim.head, why: `made room for \`${environment.branch}\` (\`branches.maxEnvironments\` is ${rules.maxEnvironments}); it was the least recently pushed idle environment` },
          supersedes: [],
        });
      }
      return true;
    case "full":
      await showOverCap(octokit, job, environment, commit, await runtime.promotion?.appId(), {
        status: "completed",
        conclusion: "neutral",
        title: `Waiting for room: ${decision.count} of ${decision.cap} environments in use`,
        summary: [
          `This repository has ${decision.count} branch environments, and \`branches.maxEnvironments\` in \`${CONFIG_PATH}\` allows ${decision.cap}.`,
          "None of them is idle enough to make room (each is kept by the `branchline:keep` label, an open pull request, a run under way, or a push not yet deployed), so no environment was created for this branch. This is not a failure of the commit.",
          "",
          "branchline tries again on its next reconcile pass. To make room now, delete a branch you no longer need, or raise the cap.",
        ].join("\n"),
      });
      runtime.log.info({ branch: environment.branch, count: decision.count, cap: decision.cap }, "over the environment cap; not created");
      return false;
  }
}

async function showOverCap(octokit: InstallationOctokit, job: RefJob, environment: Environment, commit: string, appId: number | undefined, content: CheckRunContent): Promise<void> {
  const name = checkRunName(environment);
  const existing = await findCheckRun(octokit, job.repo, commit, name, appId);
  if (existing) await updateCheckRun(octokit, job.repo, existing.id, content);
  else await createCheckRun(octokit, job.repo, commit, name, content);
}
