import type { Probot } from "probot";
import type { RepositoryRef } from "../core/environment.js";
import { httpStatus } from "./octokit.js";

/** The installation that covers a repository, or null when the App is not installed there. */
export function installationLookup(app: Probot): (repo: RepositoryRef) => Promise<number | null> {
  return async (repo) => {
    const octokit = await app.auth();
    try {
      return (await octokit.rest.apps.getRepoInstallation({ owner: repo.owner, repo: repo.name })).data.id;
    } catch (error) {
      if (httpStatus(error) === 404) return null;
      throw error;
    }
  };
}

/** The App's own id, asked of GitHub once and kept (asked again only after a failure). */
export function appIdLookup(app: Probot): () => Promise<number> {
  let appId: Promise<number> | undefined;
  return () =>
    (appId ??= app.auth().then(async (octokit) => {
      const id = (await octokit.rest.apps.getAuthenticated()).data?.id;
      if (typeof id !== "number") throw new Error("GitHub did not say which App this is");
      return id;
    })).catch((error: unknown) => {
      appId = undefined;
      throw error;
    });
}
