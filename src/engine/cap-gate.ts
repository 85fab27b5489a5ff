import { listManagedStacks } from "../aws/managed-stacks.js";
import { describeStack } from "../aws/stacks.js";
import { CONFIG_PATH, idleRules, type BranchlineConfig } from "../config/schema.js";
import { decideCap } from "../core/idle-policy.js";
import type { Environment } from "../core/environment.js";
import { environmentNames } from "../core/naming.js";
import { EnvironmentCheck } from "../report/environment-check.js";
import type { EnvironmentTarget, Phase } from "../report/environment-report.js";
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
export async function capAllows(
  runtime: Runtime,
  octokit: InstallationOctokit,
  job: RefJob,
  config: BranchlineConfig,
  environment: Environment,
  commit: string,
): Promise<boolean> {
  const rules = idleRules(config);
  if (rules.maxEnvironments === null || environment.kind !== "branch") return true;
  const names = environmentNames(config.stackPrefix, job.repo, environment);
  if ((await describeStack(runtime.aws.cloudformation, names.stack)) !== null) return true;
  const managed = stacksOf(await listManagedStacks(runtime.aws.cloudformation), job.repo).filter(
    ({ stack }) => stack.name !== names.stack,
  );
  const others = await branchStacks(runtime.aws.codepipeline, managed);
  const pulls = await openPullRequests(octokit, job.repo);
  const heads = new Map<string, string>();
  for (const other of others) heads.set(other.branch, other.activity.lastRunCommit ?? "");
  const now = runtime.now?.() ?? new Date();
  const decision = decideCap(
    others.map((other) => idleEnvironment(other, heads.get(other.branch) ?? "", pulls, now)),
    rules,
  );
  switch (decision.kind) {
    case "room":
      return true;
    case "evict":
      for (const victim of decision.victims) {
        runtime.log.info(
          { victim: victim.branch, for: environment.branch },
          "tearing down the least recently pushed idle environment to make room",
        );
        runtime.submit?.({
          deliveryId: `${job.deliveryId}-room-${victim.stackName}`,
          installationId: job.installationId,
          repo: job.repo,
          defaultBranch: job.defaultBranch,
          event: { kind: "updated", ref: { type: "branch", name: victim.branch }, commit: victim.head },
          cause: {
            kind: "idle",
            step: "teardown",
            commit: victim.head,
            why: `made room for \`${environment.branch}\` (\`branches.maxEnvironments\` is ${rules.maxEnvironments}); it was the least recently pushed idle environment`,
          },
          supersedes: [],
        });
      }
      return true;
    case "full":
      await showOverCap(
        runtime,
        octokit,
        job,
        { environment, commit, names },
        {
          kind: "held",
          title: `Waiting for room: ${decision.count} of ${decision.cap} environments in use`,
          why: [
            `This repository has ${decision.count} branch environments, and \`branches.maxEnvironments\` in \`${CONFIG_PATH}\` allows ${decision.cap}.`,
            "None of them is idle enough to make room (each is kept by the `branchline:keep` label, an open pull request, a run under way, or a push not yet deployed), so no environment was created for this branch. This is not a failure of the commit.",
            "",
            "branchline tries again on its next reconcile pass. To make room now, delete a branch you no longer need, or raise the cap.",
          ].join("\n"),
        },
      );
      runtime.log.info(
        { branch: environment.branch, count: decision.count, cap: decision.cap },
        "over the environment cap; not created",
      );
      return false;
  }
}

/**
 * The environment's one check run at the commit says so, through the installation's outbox like
 * every other report of the run: a check run of this commit still on its way to GitHub is the one
 * updated (no second one), and the look does not wait for GitHub's write pace.
 */
async function showOverCap(
  runtime: Runtime,
  octokit: InstallationOctokit,
  job: RefJob,
  at: Pick<EnvironmentTarget, "environment" | "commit" | "names">,
  phase: Extract<Phase, { kind: "held" }>,
): Promise<void> {
  const target: EnvironmentTarget = { repo: job.repo, ...at, region: runtime.aws.region, sandbox: runtime.sandbox };
  const check = await EnvironmentCheck.open(
    octokit,
    target,
    await runtime.promotion?.appId(),
    runtime.outbox?.lane(job.installationId),
  );
  await check.show(phase);
}
