import type { Context, Probot } from "probot";
import type { RefJob } from "../engine/ref-job.js";
import { job } from "./ref-events.js";

type PullRequestPayload =
  | Context<"pull_request.opened">["payload"]
  | Context<"pull_request.synchronize">["payload"]
  | Context<"pull_request.reopened">["payload"];

/**
 * A pull request opened, updated or reopened: make sure its head commit's environment is deployed.
 * A commit that already has a run gets nothing new (the check run on the head shows on the PR by
 * itself). A pull request from a fork causes nothing: a fork never touches AWS.
 */
export function jobFromPullRequest(deliveryId: string, payload: PullRequestPayload): RefJob | null {
  const { head, base } = payload.pull_request;
  if (head.repo === null || head.repo.full_name !== base.repo.full_name) return null;
  return job(deliveryId, payload, { kind: "updated", ref: { type: "branch", name: head.ref }, commit: head.sha });
}

/**
 * A pull request into the default branch also gets a staging preview of its head: what merging it
 * would do to staging's stacks. Not for forks (a fork's template never reaches AWS, not even as a
 * change set), nor for pull requests into other branches, which do not feed staging.
 */
export function previewFromPullRequest(deliveryId: string, payload: PullRequestPayload): RefJob | null {
  const { head, base, number } = payload.pull_request;
  if (
    head.repo === null ||
    head.repo.full_name !== base.repo.full_name ||
    base.ref !== payload.repository.default_branch
  )
    return null;
  const made = job(`${deliveryId}-preview`, payload, {
    kind: "updated",
    ref: { type: "branch", name: head.ref },
    commit: head.sha,
  });
  return made && { ...made, cause: { kind: "preview", pullNumber: number, head: head.sha } };
}

export function onPullRequestEvents(app: Probot, submit: (job: RefJob) => void): void {
  app.on(["pull_request.opened", "pull_request.synchronize", "pull_request.reopened"], async (context) => {
    const made = jobFromPullRequest(context.id, context.payload);
    if (made) submit(made);
    const preview = previewFromPullRequest(context.id, context.payload);
    if (preview) submit(preview);
  });
}
