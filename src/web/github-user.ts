import { createHash } from "node:crypto";
import { Octokit } from "@octokit/rest";

/** A repository a person may read through this App's installation. */
export interface VisibleRepository {
  readonly installationId: number;
  /** GitHub's id: stacks are matched by it where they carry it (names change, ids do not). */
  readonly id?: number;
  readonly owner: string;
  readonly name: string;
  readonly fullName: string;
  readonly defaultBranch: string;
  readonly private: boolean;
  /** A fork's buttons never act (as on its check runs). */
  readonly fork: boolean;
}

export interface VisibleInstallation {
  readonly id: number;
  readonly account: string;
  readonly repositories: readonly VisibleRepository[];
}

/** What GitHub says a user token may see: who it is, and the repositories of this App's installations it can read. */
export interface UserAccess {
  readonly login: string;
  readonly installations: readonly VisibleInstallation[];
}

export interface GitHubUsersOptions {
  /** The REST API root: https://api.github.com, or GitHub Enterprise Server's /api/v3. */
  readonly apiUrl: string;
  /** How long an answer is kept: a repository taken away stops showing within this time. */
  readonly cacheMs: number;
  readonly maxEntries?: number;
  readonly now?: () => number;
}

/**
 * Authorisation by GitHub: a user token's identity and readable repositories, from `GET /user`,
 * `GET /user/installations` and `GET /user/installations/{id}/repositories` (which list only what
 * this App is installed on and the person can read), kept briefly per token.
 */
export class GitHubUsers {
  private readonly cache = new Map<string, { readonly at: number; readonly answer: Promise<UserAccess | null> }>();

  constructor(private readonly options: GitHubUsersOptions) {}

  /** The token's access; null when GitHub refuses the token (bad, expired or revoked). */
  access(token: string): Promise<UserAccess | null> {
    const now = (this.options.now ?? Date.now)();
    const key = createHash("sha256").update(token).digest("base64url");
    const cached = this.cache.get(key);
    if (cached && now - cached.at < this.options.cacheMs) return cached.answer;
    const answer = this.ask(token);
    this.cache.set(key, { at: now, answer });
    // A failure is not kept: the next request asks again.
    answer.catch(() => this.cache.delete(key));
    if (this.cache.size > (this.options.maxEntries ?? 1000)) this.cache.delete(this.cache.keys().next().value!);
    return answer;
  }

  /** Who the token belongs to (the OAuth callback asks once, before a session exists). */
  async login(token: string): Promise<string | null> {
    try {
      return (await this.octokit(token).rest.users.getAuthenticated()).data.login;
    } catch (error) {
      if (status(error) === 401) return null;
      throw error;
    }
  }

  private async ask(token: string): Promise<UserAccess | null> {
    const octokit = this.octokit(token);
    let login: string;
    try {
      login = (await octokit.rest.users.getAuthenticated()).data.login;
    } catch (error) {
      if (status(error) === 401) return null;
      throw error;
    }
    const installations = await octokit.paginate(octokit.rest.apps.listInstallationsForAuthenticatedUser, {
      per_page: 100,
    });
    const visible = await Promise.all(
      installations.map(async (installation): Promise<VisibleInstallation> => {
        const repositories = await octokit.paginate(octokit.rest.apps.listInstallationReposForAuthenticatedUser, {
          installation_id: installation.id,
          per_page: 100,
        });
        return {
          id: installation.id,
          account: accountLogin(installation.account),
          repositories: repositories.map((r) => ({
            installationId: installation.id,
            id: r.id,
            owner: r.owner.login,
            name: r.name,
            fullName: r.full_name,
            defaultBranch: r.default_branch ?? "main",
            private: r.private,
            fork: r.fork,
          })),
        };
      }),
    );
    return { login, installations: visible };
  }

  private octokit(token: string): Octokit {
    // Quiet: a refused token is an answer here (401 to the caller), not something to log.
    return new Octokit({
      auth: token,
      baseUrl: this.options.apiUrl,
      request: { retries: 0 },
      log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    });
  }
}

/** The repository `owner/name` if this person may read it; undefined otherwise (answered 404, as GitHub does). */
export function findRepository(access: UserAccess, owner: string, name: string): VisibleRepository | undefined {
  const wanted = `${owner}/${name}`.toLowerCase();
  for (const installation of access.installations) {
    const found = installation.repositories.find((r) => r.fullName.toLowerCase() === wanted);
    if (found) return found;
  }
  return undefined;
}

function accountLogin(account: unknown): string {
  const value = account as { login?: string; slug?: string } | null;
  return value?.login ?? value?.slug ?? "?";
}

function status(error: unknown): number | undefined {
  const value = (error as { status?: unknown } | null)?.status;
  return typeof value === "number" ? value : undefined;
}
