import type { Context, Probot } from "probot";
import { parseFullRef, type GitRef, type RefEvent } from "../core/routing.js";
import type { RefJob } from "../engine/ref-job.js";

type PushPayload = Context<"push">["payload"];
type CreatePayload = Context<"create">["payload"];
type DeletePayload = Context<"delete">["payload"];

/** What every ref event shares: the repository, and the installation that may act on it. */
export interface Origin {
  readonly repository: {
    readonly id: number;
    readonly name: string;
    readonly owner: { readonly login: string } | null;
    readonly default_branch: string;
    readonly fork: boolean;
  };
  readonly installation?: { readonly id: number } | undefined;
}

const ZERO_SHA = /^0{40}$/;

/** push → the ref moved to a commit, or (deleted: true) the ref is gone. Forced pushes are pushes. */
export function jobFromPush(deliveryId: string, payload: PushPayload): RefJob | null {
  const ref = parseFullRef(payload.ref);
  if (!ref) return null;
  if (payload.deleted || ZERO_SHA.test(payload.after)) return job(deliveryId, payload, { kind: "deleted", ref });
  // For an annotated tag, `after` is the tag object; head_commit is the commit it points at.
  const commit = ref.type === "tag" ? (payload.head_commit?.id ?? null) : payload.after;
  return job(deliveryId, payload, { kind: "updated", ref, commit });
}

/** create carries no commit: the ref's head is read when the job runs. */
export function jobFromCreate(deliveryId: string, payload: CreatePayload): RefJob | null {
  return job(deliveryId, payload, { kind: "updated", ref: shortRef(payload.ref_type, payload.ref), commit: null });
}

export function jobFromDelete(deliveryId: string, payload: DeletePayload): RefJob | null {
  return job(deliveryId, payload, { kind: "deleted", ref: shortRef(payload.ref_type, payload.ref) });
}

function shortRef(type: "branch" | "tag", name: string): GitRef {
  return { type, name };
}

export function job(deliveryId: string, origin: Origin, event: RefEvent): RefJob | null {
  // Without an installation there is no token to act with; a fork's events never touch AWS.
  if (!origin.installation || origin.repository.fork || !origin.repository.owner) return null;
  return {
    deliveryId,
    installationId: origin.installation.id,
    repo: { owner: origin.repository.owner.login, name: origin.repository.name, id: origin.repository.id },
    defaultBranch: origin.repository.default_branch,
    event,
    cause: { kind: "ref" },
    supersedes: [],
  };
}

/** Registers the ref events: each handler turns its payload into a job and hands it over, nothing more. */
export function onRefEvents(app: Probot, submit: (job: RefJob) => void): void {
  // Who caused the event (a push's sender) rides along: promotion criteria may ask who pushed a tag.
  const accept = (made: RefJob | null, sender: { login: string } | undefined) => {
    if (made) submit(sender?.login ? { ...made, actor: sender.login } : made);
  };
  app.on("push", async (context) => accept(jobFromPush(context.id, context.payload), context.payload.sender));
  app.on("create", async (context) => accept(jobFromCreate(context.id, context.payload), context.payload.sender));
  app.on("delete", async (context) => accept(jobFromDelete(context.id, context.payload), context.payload.sender));
}
