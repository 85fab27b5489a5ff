import type { RunDetails } from "../core/run-snapshot.js";
import { failurePolicyFor, notificationSinks, type BranchlineConfig } from "../config/schema.js";
import type { NotificationEventName } from "../core/notification-events.js";
import { environmentLabel, repositoryFullName, type Environment } from "../core/environment.js";
import { reactToRunEnd } from "../core/run-failure.js";
import { executionUrl } from "../report/console-links.js";
import { waitingApproval } from "../report/environment-report.js";
import type { InstallationOctokit } from "../github/octokit.js";
import type { ObservedRun, RunHooks } from "../report/observed-run.js";
import type { NotificationEvent } from "../notifications/events.js";
import { rollbackJob, rollbackTarget } from "./failure-policy.js";
import type { RefJob } from "./ref-job.js";
import type { Runtime } from "./runtime.js";

export interface RunContext {
  readonly job: RefJob;
  readonly octokit: InstallationOctokit;
  readonly config: BranchlineConfig;
  readonly environment: Environment;
}

/**
 * What happens beside a run's check run and deployment: notifications (started, approval needed,
 * succeeded, failed, rollback) and, when it fails, the environment's failure policy. Nothing here
 * can fail the run's reporting (ObservedRun catches), and notifications are sent off the lane.
 */
export function runHooks(runtime: Runtime, context: RunContext): RunHooks {
  const services = runtime.promotion;
  if (!services) return {};
  const { config, environment } = context;
  const sinks = notificationSinks(config);
  const askedApproval = new Set<string>();
  const log = runtime.log.child({
    repository: repositoryFullName(context.job.repo),
    environment: environmentLabel(environment),
  });

  const notify = (
    name: NotificationEventName,
    run: ObservedRun,
    message: string,
    extra: Partial<NotificationEvent> = {},
    details?: RunDetails,
  ) => {
    if (sinks.length === 0) return;
    const { target } = run.check;
    services.notifier.notify(sinks, {
      event: name,
      occurredAt: new Date().toISOString(),
      repository: repositoryFullName(target.repo),
      environment: { kind: environment.kind, name: environmentLabel(environment) },
      commit: target.commit,
      run: {
        pipeline: run.pipeline,
        executionId: run.executionId,
        status: details?.status ?? "InProgress",
        summary: details?.summary,
        url: executionUrl(target, run.pipeline, run.executionId),
      },
      ...(target.rollback ? { rollback: { fromCommit: target.rollback.fromCommit, toCommit: target.commit } } : {}),
      ...extra,
      message,
    });
  };

  return {
    started: async (run, { fresh }) => {
      services.liveRuns.set(run.key, run);
      // A run taken up was announced when it started (by this process before a restart, or another).
      if (!fresh) return;
      const { target } = run.check;
      if (target.rollback) {
        notify(
          "rollback.started",
          run,
          `rolling back to \`${target.commit.slice(0, 12)}\` after \`${target.rollback.fromCommit.slice(0, 12)}\` failed`,
        );
      } else {
        notify("run.started", run, `pipeline started for \`${target.commit.slice(0, 12)}\``);
      }
    },

    progress: async (run, details) => {
      const waiting = waitingApproval(details);
      if (!waiting) return;
      const key = `${waiting.stage}/${waiting.action}`;
      if (askedApproval.has(key)) return;
      askedApproval.add(key);
      notify(
        "approval.needed",
        run,
        `waiting for approval at ${waiting.stage} / ${waiting.action}`,
        {
          approval: { stage: waiting.stage, action: waiting.action, approvers: run.check.target.approvers ?? "" },
        },
        details,
      );
    },

    finishing: async (run, details) => {
      services.liveRuns.delete(run.key);
      const { target } = run.check;
      const wasRollback = target.rollback !== undefined;
      const reaction = reactToRunEnd({
        policy: failurePolicyFor(config, environment.kind),
        status: details.status,
        wasRollback,
      });
      const short = target.commit.slice(0, 12);
      switch (reaction.kind) {
        case "nothing":
          if (details.status === "Succeeded")
            return async () =>
              notify(
                "run.succeeded",
                run,
                wasRollback ? `rollback to \`${short}\` succeeded` : `pipeline succeeded for \`${short}\``,
                {},
                details,
              );
          return;
        case "record":
          log.info({ commit: target.commit, executionId: run.executionId }, "run failed; onFailure is record");
          return;
        case "notify":
          if (wasRollback && failurePolicyFor(config, environment.kind) === "redeploy-last-good") {
            run.check.record(
              "This rollback failed too. branchline does not roll back a rollback: the environment needs a person.",
            );
          }
          return async () =>
            notify(
              "run.failed",
              run,
              wasRollback
                ? `rollback to \`${short}\` failed; not rolled back again`
                : `pipeline failed for \`${short}\``,
              {},
              details,
            );
        case "rollback": {
          const chosen = await rollbackTarget(
            runtime,
            context.octokit,
            context.job,
            config,
            environment,
            target.commit,
          );
          if (chosen.kind === "none") {
            run.check.record(`Not rolled back: ${chosen.why}.`);
            return async () =>
              notify(
                "run.failed",
                run,
                `pipeline failed for \`${short}\`; not rolled back: ${chosen.why}`,
                {},
                details,
              );
          }
          run.check.record(
            `Rolling back: the last good release, commit \`${chosen.commit.slice(0, 12)}\`, is being redeployed (its own check run and deployment show it).`,
          );
          return async () => {
            notify(
              "run.failed",
              run,
              `pipeline failed for \`${short}\`; rolling back to \`${chosen.commit.slice(0, 12)}\``,
              { rollback: { fromCommit: target.commit, toCommit: chosen.commit } },
              details,
            );
            services.submit(
              rollbackJob(
                context.job,
                environment,
                { commit: target.commit, executionId: run.executionId },
                chosen.commit,
              ),
            );
            log.info({ from: target.commit, to: chosen.commit }, "rollback queued");
          };
        }
      }
    },
  };
}
