import { randomUUID } from "node:crypto";
import { listManagedStacks } from "../aws/managed-stacks.js";
import type { StackSnapshot } from "../core/stack-snapshot.js";
import { repositoryFullName, type RepositoryRef } from "../core/environment.js";
import { planRetirement, type ReconcileAction } from "../core/reconcile-plan.js";
import { repositoryFromTags, TAG, type RepositoryState } from "../core/tags.js";
import { walkInstallations } from "../github/installation-walk.js";
import { httpStatus, type InstallationOctokit } from "../github/octokit.js";
import { warnIdle } from "./idle-step.js";
import { jobForAction, planRepository, retiringEnvironments } from "./reconcile-repository.js";
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

/** A repository as GitHub lists it: what a look needs to know before reading anything else. */
export interface RepositoryFacts {
  /** GitHub's id: stacks are the repository's by id (core/tags.ts). */
  readonly id?: number;
  readonly owner: { readonly login: string };
  readonly name: string;
  readonly default_branch: string;
  readonly archived?: boolean;
  readonly fork: boolean;
}

/** Which stacks lost their App: every repository of an account (uninstalled, suspended), or some. */
export type Released = { readonly account: string } | { readonly repositories: readonly RepositoryRef[] };

/** One look's bookkeeping: every action it found, what failed, and ids for the jobs it makes. */
class Look {
  readonly id = randomUUID();
  readonly actions: (ReconcileAction & { repository: string })[] = [];
  readonly errors: { repository: string; message: string }[] = [];
  repositories = 0;

  constructor(readonly reportOnly: boolean) {}

  summary(): ReconcileSummary {
    return { repositories: this.repositories, actions: this.actions, errors: this.errors, applied: !this.reportOnly };
  }
}

/**
 * Converges AWS to git for every installation and configured repository: missing environments are
 * created, stacks of deleted branches removed, interrupted runs taken up again. It only submits jobs
 * (the lanes do the work), so it never races a webhook on one stack. Report-only mode changes nothing.
 * The same look serves one repository at once when an event says it changed (installed, added,
 * archived, deleted, default branch changed), and stacks whose App is gone are marked unowned.
 */
export class Reconciler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<ReconcileSummary> | undefined;
  /** Looks started by webhooks, which return before the look ends. */
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly deps: ReconcilerDeps) {}

  /**
   * Starts a look without waiting for it: a webhook handler acknowledges at once. Its outcome goes
   * to the log (each look reports itself); `idle` waits for it.
   */
  background(what: string, look: () => Promise<ReconcileSummary>): void {
    const started = look().catch((error: unknown) =>
      this.deps.runtime.log.error({ err: error }, `${what} failed; the next reconcile pass tries again`),
    );
    this.inFlight.add(started);
    void started.finally(() => this.inFlight.delete(started));
  }

  /** Resolves when no look is running: for tests and shutdown (the jobs they made are the engine's). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0 || this.running) await Promise.allSettled([...this.inFlight, this.running]);
  }

  /** Every repository of an installation, looked at now (installed, unsuspended). */
  async lookAtInstallation(
    installationId: number,
    options: { readonly reportOnly?: boolean } = {},
  ): Promise<ReconcileSummary> {
    const look = new Look(options.reportOnly ?? false);
    const { runtime } = this.deps;
    try {
      const stacks = await this.listStacks();
      const octokit = await runtime.octokitFor(installationId);
      const repos = await octokit.paginate(octokit.rest.apps.listReposAccessibleToInstallation, { per_page: 100 });
      for (const repository of repos) await this.visit(look, installationId, octokit, repository, stacks);
    } catch (error) {
      look.errors.push({ repository: `installation ${installationId}`, message: (error as Error).message });
    }
    this.report(look, `look at installation ${installationId}`);
    return look.summary();
  }

  /** One pass; a pass already running is joined rather than doubled. */
  pass(options: { reportOnly: boolean }): Promise<ReconcileSummary> {
    this.running ??= this.run(options).finally(() => (this.running = undefined));
    return this.running;
  }

  /** A pass now, then one every interval. */
  start(intervalMs: number, options: { reportOnly: boolean }): void {
    const tick = () => {
      this.pass(options).then(
        (summary) =>
          this.deps.runtime.log.info(
            {
              repositories: summary.repositories,
              actions: summary.actions,
              errors: summary.errors,
              applied: summary.applied,
            },
            "reconcile pass",
          ),
        (error: unknown) =>
          this.deps.runtime.log.error({ err: error }, "reconcile pass failed; the next one tries again"),
      );
    };
    tick();
    this.timer = setInterval(tick, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /**
   * Looks at one repository now, as a pass would: GitHub says what it is (the event that asked is
   * only a hint). Gone (404) counts as deleted only when the event said so; otherwise it is out of
   * this installation's reach, which `release` handles.
   */
  async lookAt(
    installationId: number,
    repo: RepositoryRef,
    options: { readonly deleted?: boolean; readonly reportOnly?: boolean } = {},
  ): Promise<ReconcileSummary> {
    const look = new Look(options.reportOnly ?? false);
    const { runtime } = this.deps;
    try {
      const stacks = await this.listStacks();
      const octokit = await runtime.octokitFor(installationId);
      const facts = await repositoryFacts(octokit, repo);
      if (facts === null) {
        if (options.deleted) await this.retire(look, repo, stacks, "deleted", installationId);
        else
          runtime.log.info(
            { repository: repositoryFullName(repo) },
            "repository not readable by this installation; nothing to look at",
          );
      } else {
        await this.visit(look, installationId, octokit, facts, stacks);
      }
    } catch (error) {
      look.errors.push({ repository: repositoryFullName(repo), message: (error as Error).message });
    }
    this.report(look, `look at ${repositoryFullName(repo)}`);
    return look.summary();
  }

  /**
   * The App can no longer act for these repositories (uninstalled, suspended, removed). Nothing is
   * deleted: without git branchline cannot tell what is live. Their stacks are marked unowned, so
   * `branchline status` shows it and `branchline gc --repo` can remove them on an operator's word; a
   * re-install finds them again and clears the mark.
   */
  async release(
    released: Released,
    options: { readonly reportOnly?: boolean; readonly installationId?: number } = {},
  ): Promise<ReconcileSummary> {
    const look = new Look(options.reportOnly ?? false);
    const stacks = await this.listStacks();
    // The installation that lost them: its jobs' lanes are the ones a mark must wait in.
    for (const repo of releasedRepositories(released, stacks))
      await this.retire(look, repo, stacks, "unowned", options.installationId ?? 0);
    this.report(look, "installation released");
    return look.summary();
  }

  private async run({ reportOnly }: { reportOnly: boolean }): Promise<ReconcileSummary> {
    const { runtime } = this.deps;
    const look = new Look(reportOnly);
    const stacks = await this.listStacks();
    const seen = new Set<string>();
    const seenIds = new Set<number>();
    let complete = true;
    // A suspended installation is not walked: it gets no tokens; its repositories count as unowned below.
    for await (const step of walkInstallations(await this.deps.appOctokit(), (id) => runtime.octokitFor(id))) {
      if (step.kind === "failed") {
        complete = false;
        look.errors.push({ repository: step.account, message: step.error.message });
        continue;
      }
      const { repository } = step;
      seen.add(repositoryFullName({ owner: repository.owner.login, name: repository.name }).toLowerCase());
      seenIds.add(repository.id);
      try {
        await this.visit(look, step.installationId, step.octokit, repository, stacks);
      } catch (error) {
        complete = false;
        look.errors.push({ repository: step.account, message: (error as Error).message });
      }
    }
    // Stacks of repositories no installation covers lost their App while no webhook said so. Only a
    // pass that saw every installation whole may say that.
    if (complete) for (const repo of uncovered(stacks, seen, seenIds)) await this.retire(look, repo, stacks, "unowned");
    return look.summary();
  }

  /** One repository the App can read: plan as git says, or retire it when it is archived. */
  private async visit(
    look: Look,
    installationId: number,
    octokit: InstallationOctokit,
    facts: RepositoryFacts,
    stacks: readonly StackSnapshot[],
  ): Promise<void> {
    if (facts.fork) return;
    const repo: RepositoryRef = {
      owner: facts.owner.login,
      name: facts.name,
      ...(facts.id !== undefined ? { id: facts.id } : {}),
    };
    if (facts.archived) {
      await this.retire(look, repo, stacks, "archived", installationId, facts.default_branch);
      return;
    }
    try {
      const planned = await planRepository(
        { octokit, installationId, repo, defaultBranch: facts.default_branch, configs: this.deps.runtime.configs },
        stacks,
        this.deps.runtime.aws.codepipeline,
        await this.deps.runtime.promotion?.appId(),
        this.deps.runtime.now?.() ?? new Date(),
      );
      if (planned.kind === "skipped") return;
      look.repositories++;
      for (const action of planned.actions)
        await this.apply(look, action, { installationId, repo, defaultBranch: facts.default_branch });
    } catch (error) {
      look.errors.push({ repository: repositoryFullName(repo), message: (error as Error).message });
    }
  }

  private async retire(
    look: Look,
    repo: RepositoryRef,
    stacks: readonly StackSnapshot[],
    state: RepositoryState,
    installationId = 0,
    defaultBranch = "",
  ): Promise<void> {
    const actions = planRetirement(retiringEnvironments(stacks, repo), state);
    if (actions.length === 0) return;
    look.repositories++;
    // No installation is needed to tear down or retag: the jobs act on AWS alone.
    for (const action of actions) await this.apply(look, action, { installationId, repo, defaultBranch });
  }

  private async apply(
    look: Look,
    action: ReconcileAction,
    target: { installationId: number; repo: RepositoryRef; defaultBranch: string },
  ): Promise<void> {
    look.actions.push({ ...action, repository: repositoryFullName(target.repo) });
    if (look.reportOnly) return;
    const { runtime } = this.deps;
    switch (action.kind) {
      case "resume":
        await this.deps.resume(action.pipeline, action.executionId);
        return;
      case "keep":
        runtime.log.warn({ stack: action.stackName, repository: repositoryFullName(target.repo) }, action.reason);
        return;
      case "idle":
        if (action.step === "warn") {
          await warnIdle(runtime, target.installationId, target.repo, action).catch(
            (error: unknown) =>
              void look.errors.push({
                repository: repositoryFullName(target.repo),
                message: `could not warn ${action.ref.name} of its expiry: ${(error as Error).message}`,
              }),
          );
          return;
        }
        this.deps.submit(
          jobForAction(action, { deliveryId: `reconcile-${look.id}-${look.actions.length}`, ...target })!,
        );
        return;
      case "deploy":
      case "destroy":
      case "retire":
      case "mark": {
        // Each in its environment's lane: a mark never races a deploy of the same stack.
        const job = jobForAction(action, { deliveryId: `reconcile-${look.id}-${look.actions.length}`, ...target });
        if (job) this.deps.submit(job);
        return;
      }
    }
  }

  /** Every managed stack now; the listing also serves the engine's stack lookups after it (stack-directory.ts). */
  private listStacks(): Promise<readonly StackSnapshot[]> {
    const { runtime } = this.deps;
    return runtime.stacks ? runtime.stacks.list() : listManagedStacks(runtime.aws.cloudformation);
  }

  private report(look: Look, what: string): void {
    const summary = look.summary();
    this.deps.runtime.log.info(
      {
        repositories: summary.repositories,
        actions: summary.actions,
        errors: summary.errors,
        applied: summary.applied,
      },
      what,
    );
  }
}

/** The repository as GitHub says it is now, or null when this installation cannot see it (deleted, removed). */
async function repositoryFacts(octokit: InstallationOctokit, repo: RepositoryRef): Promise<RepositoryFacts | null> {
  try {
    return (await octokit.rest.repos.get({ owner: repo.owner, repo: repo.name })).data;
  } catch (error) {
    if (httpStatus(error) === 404) return null;
    throw error;
  }
}

/**
 * The repositories of stacks that no installation covers: by id where tagged (a renamed repository's
 * stacks still carry its old name until their look retags them), by name for the rest.
 */
function uncovered(
  stacks: readonly StackSnapshot[],
  seen: ReadonlySet<string>,
  seenIds: ReadonlySet<number>,
): RepositoryRef[] {
  const found = new Map<string, RepositoryRef>();
  for (const stack of stacks) {
    const repo = repositoryFromTags(stack.tags);
    if (!repo || (repo.id !== undefined ? seenIds.has(repo.id) : seen.has(repositoryFullName(repo)))) continue;
    found.set(`${repositoryFullName(repo)}#${repo.id ?? ""}`, repo);
  }
  return [...found.values()];
}

/** The repositories a release covers, as the stacks' tags name them (lower case, as tagged). */
function releasedRepositories(released: Released, stacks: readonly StackSnapshot[]): RepositoryRef[] {
  const tagged = [...new Set(stacks.map((s) => s.tags[TAG.repository] ?? "").filter((name) => name.includes("/")))];
  const wanted =
    "account" in released
      ? tagged.filter((name) => name.split("/")[0] === released.account.toLowerCase())
      : tagged.filter((name) => released.repositories.some((r) => repositoryFullName(r).toLowerCase() === name));
  return wanted.map((name) => {
    const [owner = "", repoName = ""] = name.split("/");
    return { owner, name: repoName };
  });
}
