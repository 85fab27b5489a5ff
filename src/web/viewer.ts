import type { IncomingMessage } from "node:http";
import { timingSafeEqual } from "node:crypto";
import { cookies } from "./http.js";
import type { GitHubUsers, UserAccess } from "./github-user.js";
import { SESSION_COOKIE, type SessionSeal } from "./session.js";

/** Who asks, and what GitHub lets them see. A session (cookie) also carries its CSRF token. */
export interface Viewer {
  readonly login: string;
  readonly access: UserAccess;
  /** Set for a cookie session: the token its forms and POSTs must echo. Null for a bearer token. */
  readonly csrf: string | null;
}

/** How a request proves who it is: a GitHub token (API clients) or the sealed session cookie (pages). */
export interface Gate {
  viewer(req: IncomingMessage): Promise<Viewer | null>;
  /** True for the sandbox without an App: everyone sees the sandbox, and no button acts. */
  readonly open: boolean;
}

export function githubGate(users: GitHubUsers, seal: SessionSeal): Gate {
  return {
    open: false,
    async viewer(req) {
      const header = req.headers.authorization ?? "";
      const bearer = /^(?:bearer|token)\s+(\S+)$/i.exec(header)?.[1];
      if (bearer) {
        const access = await users.access(bearer);
        return access ? { login: access.login, access, csrf: null } : null;
      }
      const session = seal.open(cookies(req).get(SESSION_COOKIE));
      if (!session) return null;
      const access = await users.access(session.token);
      return access ? { login: access.login, access, csrf: session.csrf } : null;
    },
  };
}

/** The sandbox without a GitHub App: one marked viewer who sees every repository of the emulated account. */
export function sandboxGate(access: () => Promise<UserAccess>): Gate {
  return {
    open: true,
    async viewer() {
      const seen = await access();
      return { login: seen.login, access: seen, csrf: null };
    },
  };
}

export function csrfMatches(viewer: Viewer, given: string | null | undefined): boolean {
  if (viewer.csrf === null) return true;
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(viewer.csrf);
  return a.length === b.length && timingSafeEqual(a, b);
}
