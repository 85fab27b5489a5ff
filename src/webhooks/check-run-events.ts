import type { Context, Probot } from "probot";
import type { GitRef } from "../core/routing.js";
import type { AcknowledgeClick } from "../engine/acknowledge-preview.js";
import type { ApprovalClick } from "../engine/approvals.js";
import type { RefJob } from "../engine/ref-job.js";
import {
  ACKNOWLEDGE_ACTION,
  APPROVE_ACTION,
  environmentFromCheckName,
  PREVIEW_CHECK_NAME,
  REJECT_ACTION,
  REPROVISION_ACTION,
} from "../core/check-identity.js";
import { job } from "./ref-events.js";

type CheckRunPayload = Context<"check_run.rerequested">["payload"] | Context<"check_run.requested_action">["payload"];

/**
 * GitHub's Re-run (rerequested) and branchline's Re-provision action. GitHub sends these only to the
 * App that owns the check run. The check run's name says which environment it is about.
 */
export function jobFromCheckRun(deliveryId: string, payload: CheckRunPayload): RefJob | null {
  const run = payload.check_run;
  const action =
    payload.action === "rerequested"
      ? "rerun"
      : payload.requested_action?.identifier === REPROVISION_ACTION
        ? "reprovision"
        : null;
  const environment = environmentFromCheckName(
    run.name,
    payload.repository.default_branch,
    run.check_suite?.head_branch ?? null,
  );
  if (!action || !environment) return null;
  const ref: GitRef =
    environment.kind === "production"
      ? { type: "tag", name: environment.tag }
      : { type: "branch", name: environment.branch };
  const made = job(deliveryId, payload, { kind: "updated", ref, commit: run.head_sha });
  return (
    made && { ...made, cause: { kind: "button", action, user: payload.sender.login, checkRunId: run.id, environment } }
  );
}

/** Approve or Reject on a check run that waits at a manual approval; null for any other action. */
export function approvalClickFromCheckRun(
  deliveryId: string,
  payload: Context<"check_run.requested_action">["payload"],
): ApprovalClick | null {
  const identifier = payload.requested_action?.identifier;
  if (identifier !== APPROVE_ACTION && identifier !== REJECT_ACTION) return null;
  const run = payload.check_run;
  const environment = environmentFromCheckName(
    run.name,
    payload.repository.default_branch,
    run.check_suite?.head_branch ?? null,
  );
  if (!environment || !payload.installation || payload.repository.fork) return null;
  return {
    deliveryId,
    installationId: payload.installation.id,
    repo: { owner: payload.repository.owner.login, name: payload.repository.name, id: payload.repository.id },
    defaultBranch: payload.repository.default_branch,
    environment,
    checkRunId: run.id,
    commit: run.head_sha,
    executionId: run.external_id || null,
    decision: identifier === APPROVE_ACTION ? "approve" : "reject",
    user: payload.sender.login,
  };
}

/** Acknowledge on a staging preview; null for any other action. */
export function acknowledgeClickFromCheckRun(
  deliveryId: string,
  payload: Context<"check_run.requested_action">["payload"],
): AcknowledgeClick | null {
  const run = payload.check_run;
  if (payload.requested_action?.identifier !== ACKNOWLEDGE_ACTION || run.name !== PREVIEW_CHECK_NAME) return null;
  if (!payload.installation || payload.repository.fork) return null;
  return {
    deliveryId,
    installationId: payload.installation.id,
    repo: { owner: payload.repository.owner.login, name: payload.repository.name },
    defaultBranch: payload.repository.default_branch,
    checkRunId: run.id,
    user: payload.sender.login,
  };
}

export function onCheckRunEvents(
  app: Probot,
  submit: (job: RefJob) => void,
  answer?: (click: ApprovalClick) => Promise<unknown>,
  acknowledge?: (click: AcknowledgeClick) => Promise<unknown>,
): void {
  app.on(["check_run.rerequested", "check_run.requested_action"], async (context) => {
    if (context.payload.action === "requested_action") {
      const acknowledgement = acknowledgeClickFromCheckRun(context.id, context.payload);
      if (acknowledgement) {
        if (acknowledge)
          await acknowledge(acknowledgement).catch((error: unknown) =>
            context.log.error({ err: error }, "could not acknowledge a preview"),
          );
        return;
      }
      const click = approvalClickFromCheckRun(context.id, context.payload);
      if (click) {
        // Answered here, not in a lane (see engine/approvals.ts); errors are logged, never thrown at GitHub.
        if (answer)
          await answer(click).catch((error: unknown) =>
            context.log.error({ err: error }, "could not answer an approval"),
          );
        return;
      }
    }
    const made = jobFromCheckRun(context.id, context.payload);
    if (made) submit(made);
  });
}
