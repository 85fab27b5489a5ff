import { randomUUID } from "node:crypto";
import { listManagedStacks } from "../aws/managed-stacks.js";
import { repositoryFullName, type RepositoryRef } from "../core/environment.js";
import type { ReconcileAction } from "../core/reconcile-plan.js";
import type { InstallationOctokit } from "../github/octokit.js";
import { jobForAction, planRepository } from "./reconcile-repository.js";
import type { RefJob } from "./ref-job.js";
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
          const planned = await planRepository(octokit, repo, repository.default_branch, stacks, runtime.aws.codepipeline);
          if (planned.kind === "skipped") continue;
          repositories++;
          for (const action of planned.actions) {
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

  private async apply(action: ReconcileAction, passId: string, index: number, installationId: number, repo: RepositoryRef, defaultBranch: string): Promise<void> {
    if (action.kind === "resume") {
      await this.deps.resume(action.pipeline, action.executionId);
      return;
    }
    const job = jobForAction(action, { deliveryId: `reconcile-${passId}-${index}`, installationId, repo, defaultBranch });
    if (job) this.deps.submit(job);
  }
}
