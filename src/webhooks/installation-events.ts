import type { Probot } from "probot";
import type { RepositoryRef } from "../core/environment.js";
import type { Reconciler } from "../engine/reconciler.js";
import { httpStatus, type InstallationOctokit } from "../github/octokit.js";

/** What the installation events need of the reconciler: looks, started in the background. */
export type InstallationLooks = Pick<Reconciler, "background" | "lookAtInstallation" | "lookAt" | "release">;

/** `owner/name` as GitHub lists installation repositories, into a reference. */
export function repositoryFromFullName(fullName: string): RepositoryRef | null {
  const [owner, name, ...rest] = fullName.split("/");
  return owner && name && rest.length === 0 ? { owner, name } : null;
}

/**
 * Installing the App, adding repositories to it, or lifting a suspension: each repository is looked at
 * now, as a reconcile pass would, rather than at the next pass. Uninstalling, suspending or removing
 * repositories: nothing is deleted (branchline can no longer read git, so it cannot tell what is
 * live); their stacks are marked unowned, once GitHub confirms the App really lost them. The payload
 * is a hint; GitHub's answer now is the truth.
 */
export function onInstallationEvents(
  app: Probot,
  looks: InstallationLooks,
  appOctokit: () => Promise<InstallationOctokit>,
): void {
  app.on(["installation.created", "installation.unsuspend"], async (context) => {
    const id = context.payload.installation.id;
    looks.background(`look at installation ${id}`, () => looks.lookAtInstallation(id));
  });
  app.on(["installation.deleted", "installation.suspend"], async (context) => {
    const { id, account } = context.payload.installation;
    const login = account && "login" in account ? account.login : null;
    if (!login) return;
    looks.background(`release of installation ${id}`, async () => {
      if (!(await installationLost(appOctokit, id))) return looks.release({ repositories: [] });
      return looks.release({ account: login }, { installationId: id });
    });
  });
  app.on("installation_repositories.added", async (context) => {
    const id = context.payload.installation.id;
    for (const added of context.payload.repositories_added) {
      const named = repositoryFromFullName(added.full_name);
      const repo = named ? { ...named, id: added.id } : null;
      if (repo) looks.background(`look at ${added.full_name}`, () => looks.lookAt(id, repo));
    }
  });
  app.on("installation_repositories.removed", async (context) => {
    const id = context.payload.installation.id;
    const repositories = context.payload.repositories_removed.flatMap((r) => {
      const repo = repositoryFromFullName(r.full_name);
      return repo ? [repo] : [];
    });
    looks.background(`release of ${repositories.length} repositories of installation ${id}`, async () => {
      const lost: RepositoryRef[] = [];
      for (const repo of repositories) if (!(await stillCovered(appOctokit, repo))) lost.push(repo);
      return looks.release({ repositories: lost }, { installationId: id });
    });
  });
}

/** Whether GitHub says the installation is gone or suspended (a late or replayed event may be wrong). */
async function installationLost(
  appOctokit: () => Promise<InstallationOctokit>,
  installationId: number,
): Promise<boolean> {
  const octokit = await appOctokit();
  try {
    const { data } = await octokit.rest.apps.getInstallation({ installation_id: installationId });
    return Boolean(data.suspended_at);
  } catch (error) {
    if (httpStatus(error) === 404) return true;
    throw error;
  }
}

/** Whether some installation of the App still covers the repository. */
async function stillCovered(appOctokit: () => Promise<InstallationOctokit>, repo: RepositoryRef): Promise<boolean> {
  const octokit = await appOctokit();
  try {
    await octokit.rest.apps.getRepoInstallation({ owner: repo.owner, repo: repo.name });
    return true;
  } catch (error) {
    if (httpStatus(error) === 404) return false;
    throw error;
  }
}
