/**
 * The pages' only stylesheet and script, served from this origin (the content security policy
 * allows nothing inline). The script is progressive: without it every page reads fully, and a
 * reload shows the news; with it, the page follows its server-sent events and redraws `main`.
 */
export const STYLESHEET = `
:root { color-scheme: light dark; --fg: #1f2328; --bg: #fff; --muted: #59636e; --line: #d1d9e0; --good: #1a7f37; --bad: #cf222e; --busy: #9a6700; --card: #f6f8fa; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --bg: #0d1117; --muted: #9198a1; --line: #3d444d; --card: #151b23; --good: #3fb950; --bad: #f85149; --busy: #d29922; } }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; padding: .6rem 1rem; border-bottom: 1px solid var(--line); }
.brand { font-weight: 700; text-decoration: none; color: inherit; }
.crumbs { flex: 1; min-width: 10rem; }
main { padding: 0 1rem 2rem; max-width: 72rem; margin: 0 auto; }
footer { padding: 1rem; color: var(--muted); font-size: .85rem; text-align: center; }
a { color: #0969da; }
h1 { font-size: 1.5rem; overflow-wrap: anywhere; }
.sandbox { background: #fff8c5; color: #3b2300; padding: .5rem 1rem; border-bottom: 2px solid #d4a72c; }
.notice { margin: 1rem; padding: .5rem 1rem; border-radius: 6px; border: 1px solid var(--line); }
.notice.ok { border-color: var(--good); }
.notice.refused { border-color: var(--bad); }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 1rem; font-size: .8rem; border: 1px solid currentColor; white-space: nowrap; }
.badge.good { color: var(--good); } .badge.bad { color: var(--bad); } .badge.busy { color: var(--busy); } .badge.quiet { color: var(--muted); }
ul.cards, ul.envs, ol.commits, ol.stages { list-style: none; padding: 0; display: grid; gap: .75rem; grid-template-columns: repeat(auto-fill, minmax(18rem, 1fr)); }
ul.cards li, li.env, li.commit, li.stage { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .75rem; overflow-wrap: anywhere; }
.env-name { font-weight: 600; }
.kind { color: var(--muted); font-size: .85rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .1rem .75rem; margin: .5rem 0; }
dt { color: var(--muted); }
dd { margin: 0; } dd .message { overflow-wrap: anywhere; }
.links, .meta { font-size: .85rem; color: var(--muted); }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); white-space: nowrap; }
tr.rollback { background: color-mix(in srgb, var(--busy) 12%, transparent); }
ol.log { list-style: none; padding: .5rem; margin: 0; font: .82rem/1.45 ui-monospace, monospace; background: var(--card); border: 1px solid var(--line); border-radius: 8px; overflow-x: auto; }
ol.log li { white-space: pre-wrap; overflow-wrap: anywhere; }
ol.log .origin { color: var(--muted); }
ol.log li.error .text { color: var(--bad); }
.summary { font-size: .85rem; color: var(--muted); }
ul.criteria { list-style: none; padding: 0; }
ul.criteria .mark { display: inline-block; min-width: 4.2rem; font-weight: 600; }
ul.criteria li.met .mark { color: var(--good); } ul.criteria li.unmet .mark { color: var(--bad); } ul.criteria li.later .mark { color: var(--muted); }
form.inline { display: inline; }
button, .button { font: inherit; padding: .4rem .9rem; border-radius: 6px; border: 1px solid var(--line); background: var(--card); color: inherit; cursor: pointer; text-decoration: none; display: inline-block; min-height: 2.5rem; }
button.primary { background: var(--good); color: #fff; border-color: var(--good); }
button.danger { color: var(--bad); border-color: var(--bad); }
button.link { border: 0; background: none; color: #0969da; padding: 0 .25rem; min-height: 0; }
.approval { border: 2px solid var(--busy); border-radius: 8px; padding: .5rem 1rem; }
@media (max-width: 40rem) { body { font-size: 15px; } main { padding: 0 .6rem 1.5rem; } ul.cards, ul.envs, ol.commits, ol.stages { grid-template-columns: 1fr; } }
`;

export const LIVE_SCRIPT = `
(function () {
  var url = document.body.getAttribute("data-live");
  if (!url || !window.EventSource) return;
  var state = document.querySelector(".live-state");
  var busy = false, again = false;
  function redraw() {
    if (busy) { again = true; return; }
    busy = true;
    fetch(location.href, { headers: { accept: "text/html" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        var next = new DOMParser().parseFromString(html, "text/html").getElementById("main");
        var main = document.getElementById("main");
        if (next && main) main.innerHTML = next.innerHTML;
      })
      .catch(function () {})
      .then(function () { busy = false; if (again) { again = false; redraw(); } });
  }
  var source = new EventSource(url);
  // Also on (re)connecting: whatever changed between drawing the page and watching it shows at once.
  source.addEventListener("open", function () { if (state) state.textContent = "live"; redraw(); });
  source.addEventListener("update", redraw);
  source.addEventListener("end", function () { source.close(); redraw(); if (state) state.textContent = "finished"; });
  source.addEventListener("error", function () { if (state) state.textContent = "reconnecting"; });
})();
`;
