import type { InstallationOctokit, OctokitFactory } from "./octokit.js";

/** A repository as an installation lists it: what a pass needs before reading anything else. */
export interface InstallationRepository {
  /** GitHub's id: stacks are the repository's by id (core/tags.ts). */
  readonly id: number;
  readonly owner: { readonly login: string };
  readonly name: string;
  readonly default_branch: string;
  readonly archived?: boolean;
  readonly fork: boolean;
}

/** Each step names its installation's account (its login; the id when GitHub gives none), for reports. */
export type WalkStep =
  | {
      readonly kind: "repository";
      readonly installationId: number;
      readonly account: string;
      readonly octokit: InstallationOctokit;
      readonly repository: InstallationRepository;
    }
  /** This installation could not be listed (its token, its repositories); the walk goes on with the next. */
  | { readonly kind: "failed"; readonly installationId: number; readonly account: string; readonly error: Error };

/**
 * Every repository of every installation of the App, one at a time: the reconcile pass and
 * `branchline gc` walk the same way. A suspended installation is skipped (GitHub gives it no token;
 * its repositories count as unowned to whoever needs to know). One installation that cannot be
 * listed is reported as a `failed` step and the others are still walked, so a caller can tell a
 * whole walk from a partial one.
 */
export async function* walkInstallations(
  app: InstallationOctokit,
  octokitFor: OctokitFactory,
): AsyncGenerator<WalkStep> {
  const installations = await app.paginate(app.rest.apps.listInstallations, { per_page: 100 });
  for (const installation of installations) {
    if (installation.suspended_at) continue;
    const account =
      installation.account && "login" in installation.account ? installation.account.login : String(installation.id);
    let octokit: InstallationOctokit;
    let repositories: InstallationRepository[];
    try {
      octokit = await octokitFor(installation.id);
      repositories = await octokit.paginate(octokit.rest.apps.listReposAccessibleToInstallation, { per_page: 100 });
    } catch (error) {
      yield { kind: "failed", installationId: installation.id, account, error: error as Error };
      continue;
    }
    for (const repository of repositories)
      yield { kind: "repository", installationId: installation.id, account, octokit, repository };
  }
}
