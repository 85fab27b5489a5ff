import { randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { cookies, redirect, sendHtml, setCookie } from "./http.js";
import { newSession, SESSION_COOKIE, SESSION_HOURS, STATE_COOKIE, type SessionSeal } from "./session.js";
import type { GitHubUrls } from "./github-urls.js";
import type { GitHubUsers } from "./github-user.js";
import { messagePage } from "./pages/layout.js";

export const LOGIN_PATH = "/branchline/login";
export const CALLBACK_PATH = "/branchline/auth/callback";
export const LOGOUT_PATH = "/branchline/logout";

export interface OAuthClient {
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface OAuthDeps {
  readonly client: OAuthClient;
  readonly urls: GitHubUrls;
  readonly users: GitHubUsers;
  readonly seal: SessionSeal;
  /** The app's public origin (https://branchline.example.com); unset, taken from the request's Host. */
  readonly publicUrl: string | undefined;
}

/** Only paths of the web view may be returned to after login: never another site. */
export function safeNext(next: string | null | undefined): string {
  return next && /^\/branchline\/[^/\\]/.test(next) && !next.startsWith("//") ? next : "/branchline/";
}

export function origin(req: IncomingMessage, publicUrl: string | undefined): string {
  if (publicUrl) return publicUrl.replace(/\/+$/, "");
  const host = req.headers.host ?? "localhost";
  const loopback = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/.test(host);
  return `${loopback ? "http" : "https"}://${host}`;
}

/** GET /branchline/login: off to GitHub's authorize page, with a state only this browser holds. */
export function startLogin(deps: OAuthDeps, req: IncomingMessage, res: ServerResponse, url: URL): true {
  const state = randomBytes(24).toString("base64url");
  const next = safeNext(url.searchParams.get("next"));
  const authorize = new URL(`${deps.urls.web}/login/oauth/authorize`);
  authorize.searchParams.set("client_id", deps.client.clientId);
  authorize.searchParams.set("redirect_uri", `${origin(req, deps.publicUrl)}${CALLBACK_PATH}`);
  authorize.searchParams.set("state", state);
  return redirect(res, authorize.toString(), {
    "set-cookie": setCookie(STATE_COOKIE, `${state} ${next}`, { maxAgeSeconds: 600 }),
  });
}

/** GET /branchline/auth/callback: the code becomes a user token, the token a sealed session cookie. */
export async function finishLogin(deps: OAuthDeps, req: IncomingMessage, res: ServerResponse, url: URL): Promise<true> {
  const [expected = "", next = "/branchline/"] = (cookies(req).get(STATE_COOKIE) ?? "").split(" ", 2);
  const state = url.searchParams.get("state") ?? "";
  const code = url.searchParams.get("code") ?? "";
  if (!expected || !sameText(state, expected) || !code) {
    return sendHtml(
      res,
      400,
      messagePage(
        "Login failed",
        "The login could not be checked (it expired, or did not start here). Please log in again.",
        { href: LOGIN_PATH, label: "Log in with GitHub" },
      ),
    );
  }
  const token = await exchange(deps, req, code);
  const login = token ? await deps.users.login(token) : null;
  if (!token || !login) {
    return sendHtml(
      res,
      401,
      messagePage("Login failed", "GitHub did not accept the login. Please try again.", {
        href: LOGIN_PATH,
        label: "Log in with GitHub",
      }),
    );
  }
  const sealed = deps.seal.seal(newSession(login, token));
  return redirect(res, safeNext(next), {
    "set-cookie": [
      setCookie(SESSION_COOKIE, sealed, { maxAgeSeconds: SESSION_HOURS * 3600 }),
      setCookie(STATE_COOKIE, "", { maxAgeSeconds: 0 }),
    ],
  });
}

export function logout(res: ServerResponse): true {
  return redirect(res, "/branchline/", { "set-cookie": setCookie(SESSION_COOKIE, "", { maxAgeSeconds: 0 }) });
}

async function exchange(deps: OAuthDeps, req: IncomingMessage, code: string): Promise<string | null> {
  const response = await fetch(`${deps.urls.web}/login/oauth/access_token`, {
    method: "POST",
    headers: { accept: "application/json", "content-type": "application/json" },
    body: JSON.stringify({
      client_id: deps.client.clientId,
      client_secret: deps.client.clientSecret,
      code,
      redirect_uri: `${origin(req, deps.publicUrl)}${CALLBACK_PATH}`,
    }),
  });
  if (!response.ok) return null;
  const body = (await response.json()) as { access_token?: unknown };
  return typeof body.access_token === "string" && body.access_token !== "" ? body.access_token : null;
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
