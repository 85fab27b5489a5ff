import type { RepositoryRef } from "../core/environment.js";
import { httpStatus, type InstallationOctokit } from "./octokit.js";

/** A file's text at a commit, or null when there is no such file there. */
export async function readFileAt(
  octokit: InstallationOctokit,
  repo: RepositoryRef,
  path: string,
  ref: string,
): Promise<string | null> {
  try {
    const response = await octokit.rest.repos.getContent({
      owner: repo.owner,
      repo: repo.name,
      path,
      ref,
      mediaType: { format: "raw" },
    });
    const data: unknown = response.data;
    if (typeof data === "string") return data;
    // A directory or submodule at that path answers with JSON metadata instead of the raw file.
    return null;
  } catch (error) {
    if (httpStatus(error) === 404) return null;
    throw error;
  }
}

/**
 * A file's size in bytes at a ref, from the contents API's metadata (the file itself is not sent
 * past 1 MB, and not read here); null when there is no such file (or it is a directory).
 */
export async function fileSizeAt(
  octokit: InstallationOctokit,
  repo: RepositoryRef,
  path: string,
  ref: string | undefined,
): Promise<number | null> {
  try {
    const response = await octokit.rest.repos.getContent({
      owner: repo.owner,
      repo: repo.name,
      path,
      ...(ref !== undefined ? { ref } : {}),
    });
    const data: unknown = response.data;
    if (Array.isArray(data) || typeof data !== "object" || data === null) return null;
    const { type, size } = data as { type?: unknown; size?: unknown };
    return type === "file" && typeof size === "number" ? size : null;
  } catch (error) {
    if (httpStatus(error) === 404) return null;
    throw error;
  }
}

/** The commit a ref points at, following annotated tags; null when the ref is gone. */
export async function commitOf(
  octokit: InstallationOctokit,
  repo: RepositoryRef,
  fullRef: string,
): Promise<string | null> {
  try {
    const response = await octokit.rest.repos.getCommit({ owner: repo.owner, repo: repo.name, ref: fullRef });
    return response.data.sha;
  } catch (error) {
    if (httpStatus(error) === 404 || httpStatus(error) === 422) return null;
    throw error;
  }
}
