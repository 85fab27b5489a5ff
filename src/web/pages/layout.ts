/** HTML for the pages: escaped by construction (every value goes through `esc`), no inline script or style. */
export function esc(value: unknown): string {
  return String(value ?? "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

export interface PageChrome {
  readonly title: string;
  /** Who is signed in; null on the login page. */
  readonly login: string | null;
  readonly sandbox: boolean;
  /** The CSRF token forms echo (logout too). */
  readonly csrf: string | null;
  readonly crumbs?: readonly { readonly href: string; readonly label: string }[];
  /** The live stream this page follows (server-sent events); unset: a still page. */
  readonly live?: string | undefined;
  /** A notice after an action: what happened. */
  readonly notice?: { readonly kind: "ok" | "refused"; readonly text: string } | undefined;
}

export function page(chrome: PageChrome, main: string): string {
  const crumbs = (chrome.crumbs ?? [])
    .map((c) => `<a href="${esc(c.href)}">${esc(c.label)}</a>`)
    .join(' <span aria-hidden="true">›</span> ');
  const who = chrome.login
    ? `<span class="who">@${esc(chrome.login)}</span>${chrome.csrf ? `<form method="post" action="/branchline/logout" class="inline"><input type="hidden" name="csrf" value="${esc(chrome.csrf)}"><button class="link">Log out</button></form>` : ""}`
    : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(chrome.title)} · branchline</title>
<link rel="stylesheet" href="/branchline/static/app.css">
${chrome.live ? '<script src="/branchline/static/live.js" defer></script>' : ""}
</head>
<body${chrome.live ? ` data-live="${esc(chrome.live)}"` : ""}>
${chrome.sandbox ? '<div class="sandbox" role="note"><strong>Sandbox</strong> AWS is emulated in-process: nothing here runs in an AWS account.</div>' : ""}
<header><a class="brand" href="/branchline/">branchline</a><nav class="crumbs">${crumbs}</nav><span class="session">${who}</span></header>
${chrome.notice ? `<p class="notice ${chrome.notice.kind}" role="status">${esc(chrome.notice.text)}</p>` : ""}
<main id="main">
${main}
</main>
<footer><a href="/branchline/api/v1/openapi.json">API</a> · <span class="live-state" aria-live="polite"></span></footer>
</body>
</html>`;
}

export function messagePage(
  title: string,
  text: string,
  action?: { readonly href: string; readonly label: string },
): string {
  return page(
    { title, login: null, sandbox: false, csrf: null },
    `<h1>${esc(title)}</h1><p>${esc(text)}</p>${action ? `<p><a class="button" href="${esc(action.href)}">${esc(action.label)}</a></p>` : ""}`,
  );
}

const STATUS_CLASS: Readonly<Record<string, string>> = {
  Succeeded: "good",
  InProgress: "busy",
  Stopping: "busy",
  Failed: "bad",
  Stopped: "quiet",
  Superseded: "quiet",
  Cancelled: "quiet",
  Abandoned: "quiet",
  NotStarted: "quiet",
  ready: "good",
  busy: "busy",
  absent: "quiet",
};

/** A status as a word with a colour class (the word carries the meaning; colour only helps). */
export function badge(status: string | null | undefined): string {
  const text = status ?? "none";
  return `<span class="badge ${STATUS_CLASS[text] ?? (text === "none" ? "quiet" : "bad")}">${esc(text)}</span>`;
}

export function when(iso: string | null | undefined, now = new Date()): string {
  if (!iso) return "-";
  return `<time datetime="${esc(iso)}" title="${esc(iso)}">${esc(ago(iso, now))}</time>`;
}

export function ago(iso: string, now = new Date()): string {
  const seconds = Math.max(0, Math.round((now.getTime() - new Date(iso).getTime()) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86400)} d ago`;
}

export function short(sha: string | null | undefined): string {
  return sha ? esc(sha.slice(0, 12)) : "-";
}

/** A path under the web view for a repository (owner and name percent-encoded). */
export function repoPath(fullName: string, rest = ""): string {
  const [owner = "", name = ""] = fullName.split("/");
  return `/branchline/repos/${encodeURIComponent(owner)}/${encodeURIComponent(name)}/${rest}`;
}

/** Who caused a run: a GitHub login as `@login`; branchline's own words (`branchline (rollback)`) as they are. */
export function who(actor: string | null | undefined): string {
  if (!actor) return "-";
  return /^[A-Za-z0-9][A-Za-z0-9-]*(\[bot\])?$/.test(actor) ? `@${esc(actor)}` : esc(actor);
}
