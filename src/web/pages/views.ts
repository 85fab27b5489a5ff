import { environmentKey } from "../../read-model/environment-key.js";
import type { EnvironmentsResponse, HistoryResponse, ReadinessResponse, ReposResponse, RunResponse } from "../views.js";
import { environmentClock } from "../../core/idle-policy.js";
import { formatSpan, parseDuration } from "../../core/duration.js";
import type { EnvironmentView } from "../../read-model/environments.js";
import { badge, esc, repoPath, short, when, who } from "./layout.js";

/** The page bodies, one per view; each renders exactly the JSON the API answers for it. */

export function reposBody(data: ReposResponse): string {
  if (data.installations.length === 0) {
    return `<h1>Repositories</h1><p>@${esc(data.login)} can see no repository this App is installed on.</p>`;
  }
  return `<h1>Repositories</h1>${data.installations
    .map(
      (i) =>
        `<section><h2>${esc(i.account)}</h2><ul class="cards">${i.repositories
          .map(
            (r) =>
              `<li><a href="${esc(repoPath(r.fullName))}">${esc(r.fullName)}</a>${r.private ? ' <span class="badge quiet">private</span>' : ""}</li>`,
          )
          .join("")}</ul></section>`,
    )
    .join("")}`;
}

export function environmentsBody(data: EnvironmentsResponse, now = new Date()): string {
  const rows = data.environments.map((e) => {
    const history = repoPath(data.repository, `environments/${environmentKey(e.label)}/`);
    const run = e.lastRun ? `${history}runs/${encodeURIComponent(e.lastRun.executionId)}` : null;
    return `<li class="env ${esc(e.kind)}">
<div class="env-head"><a class="env-name" href="${esc(history)}">${esc(e.label)}</a> <span class="kind">${esc(e.kind)}</span> ${badge(e.stack.condition === "ready" ? (e.lastRun?.status ?? "none") : e.stack.status)}</div>
<dl>
<dt>commit</dt><dd>${e.links.commit ? `<a href="${esc(e.links.commit)}">${short(e.commit)}</a>` : "-"}${e.message ? ` <span class="message">${esc(e.message)}</span>` : ""}</dd>
${e.pushedBy ? `<dt>pushed by</dt><dd class="pushed-by">${who(e.pushedBy)}</dd>` : ""}
<dt>since</dt><dd>${when(e.since, now)}</dd>
${clockLines(e, data.ttl, now)}
<dt>last run</dt><dd>${run ? `<a href="${esc(run)}">${badge(e.lastRun!.status)} ${esc(e.lastRun!.executionId.slice(0, 8))}</a>` : "none"}</dd>
<dt>stack</dt><dd>${esc(e.stack.status)}</dd>
</dl>
<p class="links"><a href="${esc(e.links.deployments)}">GitHub deployments</a> · <a href="${esc(e.links.pipeline)}">pipeline</a> · <a href="${esc(e.links.stack)}">stack</a>${e.environmentUrl ? ` · <a href="${esc(e.environmentUrl)}">open</a>` : ""}</p>
</li>`;
  });
  return `<h1>${esc(data.repository)}</h1>
<p><a class="button" href="${esc(repoPath(data.repository, "readiness"))}">Production release readiness</a></p>
${rows.length === 0 ? "<p>No environments: branchline manages none for this repository yet.</p>" : `<ul class="envs">${rows.join("")}</ul>`}`;
}

export function historyBody(data: HistoryResponse, now = new Date()): string {
  const base = repoPath(data.repository, `environments/${environmentKey(data.environment)}/`);
  const rows = data.runs.map(
    (r) => `<tr${r.rollbackOf ? ' class="rollback"' : ""}>
<td><a href="${esc(`${base}runs/${encodeURIComponent(r.executionId)}`)}">${esc(r.executionId.slice(0, 8))}</a></td>
<td>${short(r.commit)}</td>
<td>${esc(r.cause)}${r.rollbackOf ? ' <span class="badge busy">rollback</span>' : ""}</td>
<td>${who(r.who)}</td>
<td>${when(r.startedAt, now)}</td>
<td>${badge(r.outcome)}</td>
</tr>`,
  );
  return `<h1>${esc(data.environment)}</h1>
<p>Stack <code>${esc(data.stack.name)}</code> ${badge(data.stack.status)} · pipeline <code>${esc(data.pipeline)}</code> · follows <code>${esc(data.stack.ref)}</code></p>
<h2>History</h2>
${rows.length === 0 ? "<p>No runs yet.</p>" : `<div class="scroll"><table><thead><tr><th>run</th><th>commit</th><th>cause</th><th>who</th><th>when</th><th>outcome</th></tr></thead><tbody>${rows.join("")}</tbody></table></div>`}`;
}

export function runBody(data: RunResponse, csrf: string | null, now = new Date()): string {
  const action = repoPath(
    data.repository,
    `environments/${environmentKey(data.environment)}/runs/${encodeURIComponent(data.executionId)}/`,
  );
  const button = (name: string, label: string, kind = "") =>
    csrf
      ? `<form method="post" action="${esc(action + name)}" class="inline"><input type="hidden" name="csrf" value="${esc(csrf)}"><button class="${kind}" name="action" value="${esc(name)}">${esc(label)}</button></form>`
      : "";
  const stages = data.stages
    .map(
      (s) =>
        `<li class="stage"><h3>${esc(s.name)} ${badge(s.status)}</h3><ul>${s.actions
          .map(
            (a) =>
              `<li>${esc(a.name)} <span class="kind">${esc(a.provider ?? a.category ?? "")}</span> ${badge(a.status)}${a.summary ? `<div class="summary">${esc(a.summary)}</div>` : ""}</li>`,
          )
          .join("")}</ul></li>`,
    )
    .join("");
  const log = data.log
    .map(
      (l) =>
        `<li class="line ${esc(l.source)} ${esc(l.level)}"><time datetime="${esc(l.at)}">${esc(l.at.slice(11, 19))}</time> <span class="origin">${esc(l.source)} · ${esc(l.origin)}</span> <span class="text">${esc(l.text)}</span></li>`,
    )
    .join("");
  return `<h1>Run ${esc(data.executionId.slice(0, 8))} ${badge(data.status)}</h1>
<p>${esc(data.environment)} · commit ${short(data.commit)} · started ${when(data.startedAt, now)}${data.summary ? ` · ${esc(data.summary)}` : ""}</p>
${data.waiting.length > 0 ? `<section class="approval"><h2>Waiting for approval</h2><p>${data.waiting.map((w) => `${esc(w.stage)} / ${esc(w.action)}`).join(", ")}</p>${button("approve", "Approve", "primary")} ${button("reject", "Reject", "danger")}</section>` : ""}
<p class="actions">${button("rerun", "Re-run")} ${button("reprovision", "Re-provision")}</p>
<h2>Stages</h2><ol class="stages">${stages}</ol>
<h2>Log</h2>${data.log.length === 0 ? "<p>No log lines yet.</p>" : `<ol class="log">${log}</ol>`}`;
}

export function readinessBody(data: ReadinessResponse, now = new Date()): string {
  if (data.unavailable) return `<h1>Release readiness</h1><p>${esc(data.unavailable)}</p>`;
  const commits = data.commits.map(
    (c) => `<li class="commit ${c.ready ? "ready" : "not-ready"}">
<div class="env-head"><code>${short(c.commit)}</code> ${c.ready ? '<span class="badge good">ready</span>' : '<span class="badge bad">not ready</span>'} ${esc(c.message)}</div>
<p class="meta">${c.author ? `@${esc(c.author)} · ` : ""}${when(c.committedAt, now)}</p>
<ul class="criteria">${c.criteria
      .map(
        (k) =>
          `<li class="${k.met === null ? "later" : k.met ? "met" : "unmet"}"><span class="mark">${k.met === null ? "on tag" : k.met ? "met" : "unmet"}</span> ${esc(k.label)}: ${k.url ? `<a href="${esc(k.url)}">${esc(k.detail)}</a>` : esc(k.detail)}</li>`,
      )
      .join("")}</ul>
</li>`,
  );
  return `<h1>Release readiness</h1><p>The newest commits of <code>${esc(data.defaultBranch)}</code>, each against production's promotion criteria.</p><ol class="commits">${commits.join("")}</ol>`;
}

/** Age, last push and time left, by the same pure clock as `branchline status`. */
function clockLines(e: EnvironmentView, ttl: string | null, now: Date): string {
  if (!e.createdAt || !e.lastPushAt) return "";
  const ttlMs = e.kind === "branch" && ttl !== null ? parseDuration(ttl) : null;
  const clock = environmentClock(
    { createdAt: new Date(e.createdAt), lastPushAt: new Date(e.lastPushAt), warnedAt: null, hibernated: e.hibernated },
    ttlMs,
    now,
  );
  const left =
    clock.timeLeftMs !== null
      ? formatSpan(clock.timeLeftMs)
      : e.hibernated
        ? "hibernated until the next push"
        : e.kind !== "branch"
          ? `does not expire (${e.kind})`
          : "does not expire (no branches.ttl)";
  return `<dt>age</dt><dd>${esc(formatSpan(clock.ageMs))}</dd>
<dt>last push</dt><dd>${esc(formatSpan(clock.sinceLastPushMs))} ago</dd>
<dt>time left</dt><dd class="time-left">${esc(left)}</dd>`;
}
