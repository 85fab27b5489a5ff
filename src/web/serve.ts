import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "probot";
import { environmentFromLabel } from "../read-model/environment-key.js";
import { pressButton, type ActionDoors, type ActionResult } from "./actions.js";
import { LIVE_SCRIPT, STYLESHEET } from "./assets.js";
import { findRepository, type VisibleRepository } from "./github-user.js";
import { readForm, redirect, securityHeaders, segments, sendHtml, sendJson } from "./http.js";
import { fingerprint, type LiveHub } from "./live.js";
import { CALLBACK_PATH, finishLogin, LOGIN_PATH, LOGOUT_PATH, logout, startLogin, type OAuthDeps } from "./oauth.js";
import { API_PREFIX, OPENAPI } from "./openapi.js";
import { messagePage, page, repoPath, type PageChrome } from "./pages/layout.js";
import { environmentsBody, historyBody, readinessBody, reposBody, runBody } from "./pages/views.js";
import { matchRoute, type WebRoute } from "./route-table.js";
import { csrfMatches, type Gate, type Viewer } from "./viewer.js";
import {
  environmentStack,
  environmentsView,
  historyView,
  readinessView,
  reposView,
  runView,
  type ViewSources,
} from "./views.js";

export interface WebDeps {
  readonly sources: ViewSources;
  readonly gate: Gate;
  /** Unset: no OAuth client configured (API tokens still work), or the open sandbox. */
  readonly oauth: OAuthDeps | undefined;
  readonly doors: ActionDoors | undefined;
  readonly live: LiveHub;
  readonly log: Logger;
}

const PREFIX = "/branchline";

type Answer = { readonly status: number; readonly data: unknown; readonly html?: string };

/** The web view and the REST API: one handler for Probot's server (`addHandler`), false for paths it does not own. */
export function webHandler(deps: WebDeps) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const path = url.pathname;
    if (path !== PREFIX && !path.startsWith(`${PREFIX}/`)) return false;
    // Probot's route for pipeline events lives beside us.
    if (path === `${PREFIX}/events`) return false;
    const method = req.method ?? "GET";
    try {
      if (path === `${PREFIX}/static/app.css`) return sendAsset(res, "text/css", STYLESHEET);
      if (path === `${PREFIX}/static/live.js`) return sendAsset(res, "text/javascript", LIVE_SCRIPT);
      if (path === `${API_PREFIX}/openapi.json`)
        return sendJson(res, 200, OPENAPI, { "cache-control": "public, max-age=300" });
      if (path === LOGIN_PATH)
        return deps.oauth
          ? startLogin(deps.oauth, req, res, url)
          : sendHtml(
              res,
              503,
              messagePage(
                "Login is not set up",
                "Set GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET (the GitHub App's client id and secret; Probot's set-up writes them to .env).",
              ),
            );
      if (path === CALLBACK_PATH && deps.oauth) return await finishLogin(deps.oauth, req, res, url);
      const api = path === API_PREFIX || path.startsWith(`${API_PREFIX}/`);
      const parts = segments(path.slice((api ? API_PREFIX : PREFIX).length));
      const viewer = await deps.gate.viewer(req);
      if (path === LOGOUT_PATH && method === "POST") {
        const form = await readForm(req);
        if (viewer && (form === "too-large" || !csrfMatches(viewer, form.get("csrf"))))
          return sendHtml(res, 403, messagePage("Refused", "The form was not sent from this page."));
        return logout(res);
      }
      if (!viewer) {
        if (api)
          return sendJson(
            res,
            401,
            {
              error:
                "authenticate with a GitHub user token of this App (Authorization: Bearer TOKEN) or log in at /branchline/login",
            },
            { "www-authenticate": 'Bearer realm="branchline"' },
          );
        if (path === PREFIX || path === `${PREFIX}/`)
          return sendHtml(
            res,
            200,
            page(
              chrome(deps, null, "Log in"),
              '<h1>branchline</h1><p>Every environment, at a glance. Log in with GitHub to see the repositories you can read.</p><p><a class="button primary" href="/branchline/login">Log in with GitHub</a></p>',
            ),
          );
        return redirect(res, `${LOGIN_PATH}?next=${encodeURIComponent(path)}`);
      }
      const route = parts ? matchRoute(parts, api) : null;
      if (!route)
        return api
          ? sendJson(res, 404, { error: "no such API route" })
          : sendHtml(res, 404, page(chrome(deps, viewer, "Not found"), "<h1>Not found</h1>"));
      if (route.kind === "events") return await events(deps, viewer, route, url, res);
      if ((method === "POST") !== (route.kind === "action"))
        return api
          ? sendJson(res, 405, { error: route.kind === "action" ? "use POST" : "use GET" })
          : sendHtml(res, 405, messagePage("Not allowed", "This address is for reading."));
      const answer = await respond(deps, viewer, route, req, api);
      if (api) return sendJson(res, answer.status, answer.data);
      return sendHtml(
        res,
        answer.status,
        answer.html ??
          page(
            chrome(deps, viewer, "Not found"),
            `<h1>Not found</h1><p>${(answer.data as { error?: string }).error ?? ""}</p>`,
          ),
      );
    } catch (error) {
      deps.log.error({ err: error, path }, "web view failed");
      if (res.headersSent) return (res.end(), true);
      return path.startsWith(API_PREFIX)
        ? sendJson(res, 502, { error: "branchline could not read AWS or GitHub just now; try again" })
        : sendHtml(
            res,
            502,
            messagePage("Not available", "branchline could not read AWS or GitHub just now; try again."),
          );
    }
  };
}

function chrome(deps: WebDeps, viewer: Viewer | null, title: string, extra: Partial<PageChrome> = {}): PageChrome {
  return {
    title,
    login: viewer?.login ?? null,
    sandbox: deps.sources.sandbox,
    csrf: deps.gate.open ? null : (viewer?.csrf ?? null),
    ...extra,
  };
}

const notFound = (what: string): Answer => ({ status: 404, data: { error: `no ${what} you can see by that name` } });

async function respond(
  deps: WebDeps,
  viewer: Viewer,
  route: WebRoute,
  req: IncomingMessage,
  api: boolean,
): Promise<Answer> {
  const { sources } = deps;
  if (route.kind === "me") return { status: 200, data: { login: viewer.login, sandbox: sources.sandbox } };
  if (route.kind === "repos") {
    const data = reposView(viewer.access, sources.sandbox);
    return { status: 200, data, html: page(chrome(deps, viewer, "Repositories"), reposBody(data)) };
  }
  const repo = findRepository(viewer.access, route.owner, route.name);
  // Another person's repository and a missing one answer alike: nothing is revealed.
  if (!repo) return notFound("repository");
  const crumbs = [{ href: repoPath(repo.fullName), label: repo.fullName }];
  const live = (query = "") =>
    `${API_PREFIX}/repos/${encodeURIComponent(repo.owner)}/${encodeURIComponent(repo.name)}/events${query}`;
  switch (route.kind) {
    case "events":
      // Answered as a stream before this; never a page.
      return notFound("view");
    case "environments": {
      const data = await environmentsView(sources, repo);
      return {
        status: 200,
        data,
        html: page(chrome(deps, viewer, repo.fullName, { crumbs, live: live() }), environmentsBody(data)),
      };
    }
    case "readiness": {
      const data = await readinessView(sources, repo);
      return {
        status: 200,
        data,
        html: page(chrome(deps, viewer, `Readiness · ${repo.fullName}`, { crumbs }), readinessBody(data)),
      };
    }
    case "history":
    case "run":
    case "action": {
      const stack = await environmentStack(sources, repo, route.label);
      if (!stack) return notFound("environment");
      const envCrumbs = [
        ...crumbs,
        { href: repoPath(repo.fullName, `environments/${encodeURIComponent(route.label)}/`), label: route.label },
      ];
      if (route.kind === "history") {
        const data = await historyView(sources, repo, stack, route.label);
        return {
          status: 200,
          data,
          html: page(
            chrome(deps, viewer, `${route.label} · ${repo.fullName}`, {
              crumbs: envCrumbs,
              live: live(`?environment=${encodeURIComponent(route.label)}`),
            }),
            historyBody(data),
          ),
        };
      }
      const run = await runView(sources, repo, stack, route.label, route.executionId);
      if (!run) return notFound("run");
      const title = `Run ${route.executionId.slice(0, 8)} · ${route.label}`;
      const runLive = live(
        `?environment=${encodeURIComponent(route.label)}&run=${encodeURIComponent(route.executionId)}`,
      );
      if (route.kind === "run") {
        return {
          status: 200,
          data: run,
          html: page(
            chrome(deps, viewer, title, { crumbs: envCrumbs, live: run.finished ? undefined : runLive }),
            runBody(run, chrome(deps, viewer, "").csrf),
          ),
        };
      }
      const result = await act(deps, viewer, req, api, repo, route, run.commit);
      const status = result.kind === "answered" || result.kind === "submitted" ? 200 : 403;
      const after = (await runView(sources, repo, stack, route.label, route.executionId)) ?? run;
      const notice = { kind: status === 200 ? ("ok" as const) : ("refused" as const), text: result.message };
      return {
        status,
        data: result,
        html: page(
          chrome(deps, viewer, title, { crumbs: envCrumbs, notice, live: after.finished ? undefined : runLive }),
          runBody(after, chrome(deps, viewer, "").csrf),
        ),
      };
    }
  }
}

async function act(
  deps: WebDeps,
  viewer: Viewer,
  req: IncomingMessage,
  api: boolean,
  repo: VisibleRepository,
  route: Extract<WebRoute, { kind: "action" }>,
  commit: string | null,
): Promise<ActionResult> {
  const form = api ? null : await readForm(req);
  const token = api ? req.headers["x-csrf-token"] : form === "too-large" ? null : form?.get("csrf");
  if (!csrfMatches(viewer, typeof token === "string" ? token : null))
    return {
      kind: "refused",
      message: "Refused: the request did not carry this session's CSRF token; nothing was changed.",
    };
  if (deps.gate.open || !deps.doors)
    return { kind: "unavailable", message: "The sandbox without a GitHub App has no buttons: connect an App to act." };
  const environment = environmentFromLabel(route.label, repo.defaultBranch);
  const github = await deps.sources.github(repo);
  if (!environment || !commit || !github)
    return { kind: "unavailable", message: "This run names no commit, so there is nothing to act on." };
  return pressButton(deps.doors, github, {
    repo,
    environment,
    label: route.label,
    commit,
    executionId: route.executionId,
    action: route.action,
    user: viewer.login,
  });
}

async function events(
  deps: WebDeps,
  viewer: Viewer,
  route: Extract<WebRoute, { kind: "events" }>,
  url: URL,
  res: ServerResponse,
): Promise<true> {
  const repo = findRepository(viewer.access, route.owner, route.name);
  if (!repo) return sendJson(res, 404, { error: "no repository you can see by that name" });
  const label = url.searchParams.get("environment");
  const executionId = url.searchParams.get("run");
  const { sources } = deps;
  if (label === null) {
    deps.live.subscribe(
      `env:${repo.fullName}`,
      async () => ({ fingerprint: fingerprint(await environmentsView(sources, repo)), finished: false }),
      res,
    );
    return true;
  }
  const stack = await environmentStack(sources, repo, label);
  if (!stack) return sendJson(res, 404, { error: "no environment you can see by that name" });
  if (executionId === null) {
    deps.live.subscribe(
      `history:${repo.fullName}:${label}`,
      async () => ({ fingerprint: fingerprint(await historyView(sources, repo, stack, label)), finished: false }),
      res,
    );
    return true;
  }
  if (!(await runView(sources, repo, stack, label, executionId)))
    return sendJson(res, 404, { error: "no run you can see by that id" });
  deps.live.subscribe(
    `run:${repo.fullName}:${label}:${executionId}`,
    async () => {
      const run = await runView(sources, repo, stack, label, executionId);
      return { fingerprint: fingerprint(run), finished: run?.finished ?? true };
    },
    res,
  );
  return true;
}

function sendAsset(res: ServerResponse, type: string, body: string): true {
  res
    .writeHead(200, {
      ...securityHeaders(),
      "content-type": `${type}; charset=utf-8`,
      "cache-control": "public, max-age=300",
    })
    .end(body);
  return true;
}
