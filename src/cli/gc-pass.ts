import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { kindClients } from "../aws/kind-clients.js";
import { listManagedStacks } from "../aws/managed-stacks.js";
import { templateStore } from "../aws/template-store.js";
import { repositoryFullName, type RepositoryRef } from "../core/environment.js";
import { planRetirement, type ManagedEnvironment, type ReconcileAction } from "../core/reconcile-plan.js";
import type { StackSnapshot } from "../core/stack-snapshot.js";
import { Engine } from "../engine/engine.js";
import { jobForAction, planRepository, retiringEnvironments } from "../engine/reconcile-repository.js";
import type { Runtime } from "../engine/runtime.js";
import { walkInstallations } from "../github/installation-walk.js";
import type { InstallationOctokit } from "../github/octokit.js";
import { enginePacing } from "../settings.js";
import { EXIT, type Outcome } from "./command.js";
import { silentLogger, type AwsAccess, type GitHubAccess } from "./connections.js";
import type { GcAction, GcRepository, GcResult } from "./gc-result.js";
import { Printer, type Io } from "./output.js";

/**
 * `branchline gc`: one reconcile pass over the pieces the app's Reconciler uses (managed stacks by
 * tag, each repository's config and branches, planReconcile), visited one repository at a time so a
 * terminal shows progress, and applied through the app's own Engine.
 */

export interface PassRequest {
  readonly io: Io;
  readonly aws: Extract<AwsAccess, { kind: "aws" }>;
  readonly github: GitHubAccess;
  readonly only: RepositoryRef | null;
  readonly dryRun: boolean;
  readonly wait: boolean;
}

export async function runPass({ io, aws, github, only, dryRun, wait }: PassRequest): Promise<Outcome<GcResult>> {
  // Progress goes to stderr on a terminal; the summary is rendered from data like every command's.
  const out = new Printer(io);
  const stacks = await listManagedStacks(aws.clients.cloudformation);
  const orphaned = only ? unownedEnvironments(stacks, only) : null;
  // An unowned repository is out of the App's reach: GitHub is not asked, there is nothing to read.
  const visit = orphaned ? { targets: [], unlisted: [] } : await repositoriesToVisit(github, only);
  const { targets } = visit;
  const errors: PassError[] = [...visit.unlisted];
  const repositories: GcRepository[] = [];
  const planned: { target: JobTarget; action: ReconcileAction }[] = [];
  if (only && orphaned) {
    // Naming an unowned repository with --repo is the operator's word the app waits for.
    repositories.push({
      repository: repositoryFullName(only),
      state: "unowned",
      note: "no installation of the App covers it; its branch environments are removed, staging and production kept",
    });
    for (const action of planRetirement(orphaned, "unowned", { teardown: true }))
      planned.push({ target: { installationId: 0, repo: only, defaultBranch: "" }, action });
  }
  const progress = out.progress(targets.length);
  for (const target of targets) {
    const repository = repositoryFullName(target.repo);
    try {
      const result = await planRepository(target, stacks, aws.clients.codepipeline, github.appId);
      if (result.kind === "skipped") repositories.push({ repository, state: "skipped", note: result.why });
      else {
        repositories.push({ repository, state: "planned" });
        for (const action of result.actions) planned.push({ target, action });
      }
    } catch (error) {
      errors.push({ repository, message: (error as Error).message });
      repositories.push({ repository, state: "error", note: (error as Error).message });
    }
    progress.tick(repository);
  }
  progress.done();

  let outcomes: Map<number, string | null> = new Map();
  if (!dryRun && planned.length > 0) {
    const settings = aws.settings;
    const runtime: Runtime = {
      octokitFor: (id) => github.installation(id),
      installationOf: async (repo) => (github.auth === "token" ? 0 : await installationOf(github, repo)),
      aws: aws.clients,
      // As the app does: each kind changed with its App kind role when the operator names them.
      ...(settings.appKindRoles
        ? {
            kindAws: kindClients(
              { region: aws.clients.region, ...(aws.endpoint ? { endpoint: aws.endpoint } : {}), maxAttempts: 3 },
              aws.clients,
              settings.appKindRoles,
            ),
          }
        : {}),
      ...(settings.templateBucket
        ? { templates: templateStore(settings.templateBucket, aws.clients.region, aws.endpoint) }
        : {}),
      log: silentLogger(),
      sandbox: false,
      // What the app's promotion services would say: only branchline's check runs and deployments count.
      ...(github.appId !== undefined ? { appId: async () => github.appId! } : {}),
      ...enginePacing(settings),
    };
    outcomes = await applyActions(runtime, planned, out, wait);
  }
  const actions: GcAction[] = planned.map(({ target, action }, index) => {
    const failure = outcomes.get(index);
    return {
      repository: repositoryFullName(target.repo),
      kind: action.kind,
      target: actionTarget(action),
      ...(action.kind === "destroy" ||
      action.kind === "retire" ||
      action.kind === "mark" ||
      action.kind === "keep" ||
      action.kind === "idle"
        ? { stack: action.stackName }
        : {}),
      ...(action.kind === "deploy" ? { commit: action.commit } : {}),
      reason: action.reason,
      outcome: dryRun ? "planned" : failure ? "failed" : "done",
      ...(failure ? { error: failure } : {}),
    };
  });
  const failedActions = actions.filter((a) => a.outcome === "failed").length;
  const exitCode = errors.length > 0 || failedActions > 0 || (dryRun && actions.length > 0) ? EXIT.findings : EXIT.ok;
  return {
    data: { dryRun, region: aws.clients.region, managedStacks: stacks.length, repositories, actions, errors },
    exitCode,
  };
}

function actionTarget(action: ReconcileAction): string {
  switch (action.kind) {
    case "resume":
      return `${action.pipeline} ${action.executionId}`;
    case "deploy":
    case "destroy":
    case "retire":
      return action.ref.name;
    case "idle":
      return `${action.ref.name} (${action.step})`;
    case "mark":
    case "keep":
      return action.stackName;
  }
}

/**
 * The environments of a repository whose stacks all say it is unowned, or null: such a repository is
 * not looked up on GitHub, where the App no longer reaches it.
 */
function unownedEnvironments(stacks: readonly StackSnapshot[], repo: RepositoryRef): ManagedEnvironment[] | null {
  const environments = retiringEnvironments(stacks, repo);
  return environments.length > 0 && environments.every((e) => e.state === "unowned") ? environments : null;
}

/** What a job needs of its repository. */
type JobTarget = Pick<Target, "installationId" | "repo" | "defaultBranch">;

interface Target {
  readonly installationId: number;
  readonly octokit: InstallationOctokit;
  readonly repo: RepositoryRef;
  readonly defaultBranch: string;
}

/** A repository (or an installation's account) the pass could not finish, and why. */
interface PassError {
  readonly repository: string;
  readonly message: string;
}

/**
 * The repositories to plan: the one named, or every repository of every installation (the app's
 * walk: suspended installations skipped; one that cannot be listed is an error and the rest go on).
 */
async function repositoriesToVisit(
  github: GitHubAccess,
  only: RepositoryRef | null,
): Promise<{ targets: Target[]; unlisted: PassError[] }> {
  const app = github.app();
  if (app === null || only) {
    const octokit = await github.forRepository(only!);
    const { data } = await octokit.rest.repos.get({ owner: only!.owner, repo: only!.name });
    const installationId = app === null ? 0 : await installationOf(github, only!);
    const repo = { owner: data.owner.login, name: data.name };
    return { targets: [{ installationId, octokit, repo, defaultBranch: data.default_branch }], unlisted: [] };
  }
  const targets: Target[] = [];
  const unlisted: PassError[] = [];
  for await (const step of walkInstallations(await app, (id) => github.installation(id))) {
    if (step.kind === "failed") {
      unlisted.push({ repository: step.account, message: step.error.message });
      continue;
    }
    const { repository } = step;
    if (repository.fork || repository.archived) continue;
    targets.push({
      installationId: step.installationId,
      octokit: step.octokit,
      repo: { owner: repository.owner.login, name: repository.name },
      defaultBranch: repository.default_branch,
    });
  }
  return { targets, unlisted };
}

async function installationOf(github: GitHubAccess, repo: RepositoryRef): Promise<number> {
  const app = await github.app();
  if (!app) return 0;
  return (await app.rest.apps.getRepoInstallation({ owner: repo.owner, repo: repo.name })).data.id;
}

/**
 * Applies the pass through the app's own engine: one lane per environment, the same jobs a webhook
 * makes (so check runs and deployments are reported as usual). Returns the failures by action index.
 */
async function applyActions(
  runtime: Runtime,
  planned: readonly { target: JobTarget; action: ReconcileAction }[],
  out: Printer,
  waitForRuns: boolean,
): Promise<Map<number, string | null>> {
  const engine = new Engine(runtime);
  const passId = randomUUID();
  const failures = new Map<number, string | null>();
  const byDelivery = new Map<string, number>();
  // Each look's outcome names the jobs it worked: a failure is known from the engine, not from its log.
  engine.onOutcome(({ look, outcome }) => {
    if (outcome.kind !== "failed") return;
    for (const job of look.causes.flatMap((cause) => [cause, ...cause.supersedes])) {
      const index = byDelivery.get(job.deliveryId);
      if (index !== undefined) failures.set(index, outcome.error);
    }
  });
  const resumes: Promise<void>[] = [];
  planned.forEach(({ target, action }, index) => {
    const deliveryId = `gc-${passId}-${index}`;
    byDelivery.set(deliveryId, index);
    const job = jobForAction(action, {
      deliveryId,
      installationId: target.installationId,
      repo: target.repo,
      defaultBranch: target.defaultBranch,
    });
    // A mark is a job too, in its environment's lane; a busy stack fails it (run gc again).
    if (job) engine.submit(job);
    else if (action.kind === "resume") {
      resumes.push(
        engine.resume(action.pipeline, action.executionId).then(
          () => undefined,
          (error: unknown) => void failures.set(index, (error as Error).message),
        ),
      );
    }
  });
  const progress = out.progress(planned.length);
  let reported = 0;
  for (;;) {
    const { running, waiting } = engine.pending;
    const finished = planned.length - running - waiting;
    while (reported < finished) progress.tick(`${++reported} of ${planned.length} applied`);
    if (running + waiting === 0) break;
    await sleep(200);
  }
  await Promise.all(resumes);
  if (waitForRuns) await engine.idle();
  progress.done();
  return failures;
}
