import { randomUUID } from "node:crypto";
import { listManagedStacks, pipelineActivity } from "../aws/managed-stacks.js";
import type { StackSnapshot } from "../aws/stacks.js";
import { loadConfig } from "../config/load.js";
import { repositoryFullName, type RepositoryRef } from "../core/environment.js";
import { planReconcile, type ManagedEnvironment, type ReconcileAction } from "../core/reconcile-plan.js";
import { stackCondition } from "../core/stack-state.js";
import { TAG } from "../core/tags.js";
import type { InstallationOctokit } from "../github/octokit.js";
import type { RefJob } from "./ref-job.js";
import { environmentFromTags } from "./resume-run.js";
import type { Runtime } from "./runtime.js";

export interface ReconcilerDeps {
  readonly runtime: Runtime;
  /** The App itself (not an installation): lists installations. */
  readonly appOctokit: () => Promise<InstallationOctokit>;
  readonly submit: (job: RefJob) => void;
  readonly resume: (pipeline: string, executionId: string) => Promise<unknown>;
}

export interface ReconcileSummary {
  readonly repositories: number;
  readonly actions: readonly (ReconcileAction & { readonly repository: string })[];
  readonly errors: readonly { readonly repository: string; readonly message: string }[];
  readonly applied: boolean;
}

/**
 * Converges AWS to git for every installation and configured repository: missing environments are
 * created, stacks of deleted branches removed, interrupted runs taken up again. It only submits jobs
 * (the lanes do the work), so it never races a webhook on one stack. Report-only mode changes nothing.
 */
export class Reconciler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<ReconcileSummary> | undefined;

  constructor(private readonly deps: ReconcilerDeps) {}

  /** One pass; a pass already running is joined rather than doubled. */
  pass(options: { reportOnly: boolean }): Promise<ReconcileSummary> {
    this.running ??= this.run(options).finally(() => (this.running = undefined));
    return this.running;
  }

  /** A pass now, then one every interval. */
  start(intervalMs: number, options: { reportOnly: boolean }): void {
    const tick = () => {
      this.pass(options).then(
        (summary) => this.deps.runtime.log.info({ repositories: summary.repositories, actions: summary.actions, errors: summary.errors, applied: summary.applied }, "reconcile pass"),
        (error: unknown) => this.deps.runtime.log.error({ err: error }, "reconcile pass failed; the next one tries again"),
      );
    };
    tick();
    this.timer = setInterval(tick, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async run({ reportOnly }: { reportOnly: boolean }): Promise<ReconcileSummary> {
    const { runtime } = this.deps;
    const passId = randomUUID();
    const stacks = await listManagedStacks(runtime.aws.cloudformation);
    const app = await this.deps.appOctokit();
    const installations = await app.paginate(app.rest.apps.listInstallations, { per_page: 100 });
    const actions: (ReconcileAction & { repository: string })[] = [];
    const errors: { repository: string; message: string }[] = [];
    let repositories = 0;
    for (const installation of installations) {
      const octokit = await runtime.octokitFor(installation.id);
      const repos = await octokit.paginate(octokit.rest.apps.listReposAccessibleToInstallation, { per_page: 100 });
      for (const repository of repos) {
        if (repository.fork || repository.archived) continue;
        const repo = { owner: repository.owner.login, name: repository.name };
        try {
          const planned = await this.planRepository(octokit, repo, repository.default_branch, stacks);
          if (planned === null) continue;
          repositories++;
          for (const action of planned) {
            actions.push({ ...action, repository: repositoryFullName(repo) });
            if (!reportOnly) await this.apply(action, passId, actions.length, installation.id, repo, repository.default_branch);
          }
        } catch (error) {
          errors.push({ repository: repositoryFullName(repo), message: (error as Error).message });
        }
      }
    }
    return { repositories, actions, errors, applied: !reportOnly };
  }

  private async planRepository(
    octokit: InstallationOctokit,
    repo: RepositoryRef,
    defaultBranch: string,
    stacks: readonly StackSnapshot[],
  ): Promise<ReconcileAction[] | null> {
    const loaded = await loadConfig(octokit, repo, defaultBranch);
    if (loaded.kind !== "valid") return null;
    const branches = await octokit.paginate(octokit.rest.repos.listBranches, { owner: repo.owner, repo: repo.name, per_page: 100 });
    const fullName = repositoryFullName(repo).toLowerCase();
    const managed: ManagedEnvironment[] = [];
    for (const stack of stacks) {
      const environment = stack.tags[TAG.repository] === fullName ? environmentFromTags(stack.tags) : null;
      if (!environment) continue;
      const pipeline = stack.outputs.PipelineName ?? stack.name;
      const activity = await pipelineActivity(this.deps.runtime.aws.codepipeline, pipeline);
      managed.push({
        stackName: stack.name,
        environment,
        condition: stackCondition(stack.status),
        lastRunCommit: activity.lastRunCommit,
        runsInProgress: activity.inProgress,
        pipeline,
      });
    }
    return planReconcile(
      branches.map((b) => ({ name: b.name, commit: b.commit.sha })),
      defaultBranch,
      loaded.config,
      managed,
    );
  }

  private async apply(action: ReconcileAction, passId: string, index: number, installationId: number, repo: RepositoryRef, defaultBranch: string): Promise<void> {
    const base = { deliveryId: `reconcile-${passId}-${index}`, installationId, repo, defaultBranch, cause: { kind: "ref" } as const, supersedes: [] };
    switch (action.kind) {
      case "deploy":
        this.deps.submit({ ...base, event: { kind: "updated", ref: action.ref, commit: action.commit } });
        return;
      case "destroy":
        this.deps.submit({ ...base, event: { kind: "deleted", ref: action.ref } });
        return;
      case "resume":
        await this.deps.resume(action.pipeline, action.executionId);
        return;
    }
  }
}
