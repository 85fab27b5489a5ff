import type { StackCondition } from "../core/stack-state.js";
import { mapLimited, UsageError } from "./command.js";
import type { Io } from "./output.js";
import type { EnvironmentStatus, StatusResult } from "./status-result.js";

/** What the web view's API answers for a repository's environments (src/web/openapi.ts, `Environments`). */
interface ApiEnvironments {
  readonly repository: string;
  readonly region: string;
  readonly environments: readonly {
    readonly label: string;
    readonly kind: string;
    readonly ref: string;
    readonly stack: { readonly name: string; readonly status: string; readonly condition: string };
    readonly pipeline: string;
    readonly lastRun: {
      readonly executionId: string;
      readonly status: string;
      readonly commit: string | null;
      readonly startedAt: string | null;
      readonly updatedAt: string | null;
    } | null;
    readonly environmentUrl: string | null;
    /** Absent from a server older than the age and time-left fields. */
    readonly createdAt?: string | null;
    readonly expiresAt?: string | null;
    readonly hibernated?: boolean;
  }[];
}

/**
 * `branchline status --server URL`: the same table, read from a running branchline's REST API
 * (`/branchline/api/v1`) instead of AWS, with a GitHub user token of the App (GITHUB_TOKEN), so it
 * shows exactly the repositories that person may read and needs no AWS credentials.
 */
export async function statusFromServer(
  server: string,
  repo: { owner: string; name: string } | null,
  io: Io,
): Promise<StatusResult> {
  const token = io.env.BRANCHLINE_TOKEN || io.env.GITHUB_TOKEN;
  if (!token)
    throw new UsageError(
      "--server needs a GitHub user token of the App in GITHUB_TOKEN (or BRANCHLINE_TOKEN): the server shows what GitHub says that person may read",
    );
  io.secrets.push(token);
  let base: URL;
  try {
    base = new URL("branchline/api/v1/", server.endsWith("/") ? server : `${server}/`);
  } catch {
    throw new UsageError(`--server is "${server}"; give the app's URL, e.g. https://branchline.example.com`);
  }
  const get = async <T>(path: string): Promise<T> => {
    const response = await fetch(new URL(path, base), {
      headers: { authorization: `Bearer ${token}`, accept: "application/json" },
    });
    if (response.status === 401)
      throw new Error(`${base.origin} refused the token (401): use a GitHub user token of this App`);
    if (response.status === 404) throw new Error(`${base.origin} knows no ${path} you can read (404)`);
    if (!response.ok) throw new Error(`${base.origin} answered ${response.status} for ${path}`);
    return (await response.json()) as T;
  };
  const repositories = repo
    ? [`${repo.owner}/${repo.name}`]
    : (await get<{ installations: { repositories: { fullName: string }[] }[] }>("repos")).installations.flatMap((i) =>
        i.repositories.map((r) => r.fullName),
      );
  const answers = await mapLimited(repositories, 4, (fullName) => {
    const [owner = "", name = ""] = fullName.split("/");
    return get<ApiEnvironments>(`repos/${encodeURIComponent(owner)}/${encodeURIComponent(name)}/environments`);
  });
  const now = Date.now();
  const environments: EnvironmentStatus[] = answers.flatMap((answer) =>
    answer.environments.map((e) => ({
      repository: answer.repository.toLowerCase(),
      environment: e.label,
      // The API lists environments (pipeline stacks); application stacks are the AWS path's.
      part: "pipeline" as const,
      orphaned: false,
      // The server computed the deadline from the repository's own branches.ttl (no --ttl needed).
      createdAt: e.createdAt ?? null,
      hibernated: e.hibernated ?? false,
      timeLeftMs: e.expiresAt ? Math.max(0, Date.parse(e.expiresAt) - now) : null,
      kind: e.kind,
      ref: e.ref,
      stack: e.stack.name,
      stackStatus: e.stack.status,
      condition: e.stack.condition as StackCondition,
      // The API does not say; the AWS path does.
      terminationProtection: false,
      // Only repositories the App is installed on reach the API: none is unowned there.
      repositoryState: null,
      pipeline: e.pipeline,
      lastRun: e.lastRun,
      environmentUrl: e.environmentUrl,
    })),
  );
  const needAttention = environments.filter((e) =>
    ["failed-create", "rollback-failed", "delete-failed"].includes(e.condition),
  ).length;
  return {
    region: answers[0]?.region ?? base.host,
    repository: repo ? `${repo.owner}/${repo.name}`.toLowerCase() : null,
    generatedAt: new Date().toISOString(),
    ttl: null,
    environments,
    needAttention,
  };
}
