import type { Probot } from "probot";
import type { Reconciler } from "../engine/reconciler.js";

export type RepositoryLooks = Pick<Reconciler, "background" | "lookAt">;

/**
 * Something happened to a repository as a whole: it is looked at now. What the look does follows
 * from what GitHub says of it then: archived → its branch environments torn down, staging and
 * production kept and reported; unarchived → followed again; gone after a `deleted` event → torn
 * down the same way; a new default branch → staging moves to it, and the old one becomes an
 * ordinary branch environment if the config includes it; renamed or transferred → the same stacks
 * (found by the repository's id) follow the new name, nothing recreated.
 */
export function onRepositoryEvents(app: Probot, looks: RepositoryLooks): void {
  app.on(
    [
      "repository.archived",
      "repository.unarchived",
      "repository.deleted",
      "repository.edited",
      "repository.renamed",
      "repository.transferred",
    ],
    async (context) => {
      const { payload } = context;
      if (payload.action === "edited" && !payload.changes.default_branch) return;
      const installation = payload.installation?.id;
      const owner = payload.repository.owner?.login;
      if (installation === undefined || !owner) return;
      // By id: a renamed or transferred repository's stacks carry on under the names they were made with.
      const repo = { owner, name: payload.repository.name, id: payload.repository.id };
      const deleted = payload.action === "deleted";
      looks.background(`look at ${owner}/${repo.name} (${payload.action})`, () =>
        looks.lookAt(installation, repo, { deleted }),
      );
    },
  );
}
