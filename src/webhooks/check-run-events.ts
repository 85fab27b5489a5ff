import type { Context, Probot } from "probot";
import type { Environment } from "../core/environment.js";
import type { GitRef } from "../core/routing.js";
import type { RefJob } from "../engine/ref-job.js";
import { job } from "./ref-events.js";

type CheckRunPayload = Context<"check_run.rerequested">["payload"] | Context<"check_run.requested_action">["payload"];

/** The identifier of the check run action that rebuilds an environment. */
export const REPROVISION_ACTION = "reprovision";
const PREFIX = "branchline: ";

/**
 * GitHub's Re-run (rerequested) and branchline's Re-provision action. GitHub sends these only to the
 * App that owns the check run. The check run's name says which environment it is about.
 */
export function jobFromCheckRun(deliveryId: string, payload: CheckRunPayload): RefJob | null {
  const run = payload.check_run;
  const action =
    payload.action === "rerequested" ? "rerun" : payload.requested_action?.identifier === REPROVISION_ACTION ? "reprovision" : null;
  const environment = environmentFromCheckName(run.name, payload.repository.default_branch, run.check_suite?.head_branch ?? null);
  if (!action || !environment) return null;
  const ref: GitRef =
    environment.kind === "production" ? { type: "tag", name: environment.tag } : { type: "branch", name: environment.branch };
  const made = job(deliveryId, payload, { kind: "updated", ref, commit: run.head_sha });
  return made && { ...made, cause: { kind: "button", action, user: payload.sender.login, checkRunId: run.id, environment } };
}

/** `branchline: branch/feature/x` → the branch environment; `staging`, `production` likewise. */
export function environmentFromCheckName(name: string, defaultBranch: string, headBranch: string | null): Environment | null {
  if (!name.startsWith(PREFIX)) return null;
  const label = name.slice(PREFIX.length);
  if (label === "staging") return { kind: "staging", branch: defaultBranch };
  if (label === "production") return { kind: "production", tag: headBranch ?? "" };
  if (label.startsWith("branch/") && label.length > "branch/".length) return { kind: "branch", branch: label.slice("branch/".length) };
  return null;
}

export function onCheckRunEvents(app: Probot, submit: (job: RefJob) => void): void {
  app.on(["check_run.rerequested", "check_run.requested_action"], async (context) => {
    const made = jobFromCheckRun(context.id, context.payload);
    if (made) submit(made);
  });
}
