import type { RepositoryRef } from "../core/environment.js";
import { httpStatus, type InstallationOctokit } from "./octokit.js";

/** A user's role on a repository as GitHub says it now ("none" for someone without access). */
export async function repositoryRole(octokit: InstallationOctokit, repo: RepositoryRef, user: string): Promise<string> {
  try {
    const response = await octokit.rest.repos.getCollaboratorPermissionLevel({
      owner: repo.owner,
      repo: repo.name,
      username: user,
    });
    return response.data.role_name ?? response.data.permission;
  } catch (error) {
    if (httpStatus(error) === 404) return "none";
    throw error;
  }
}
