/** The pages' only stylesheet, served from /ui/assets/ (the CSP allows styles from this origin only). */
export const TIMELINE_CSS = `
:root { --ink: #1f2328; --muted: #656d76; --line: #d0d7de; --bg: #f6f8fa; --ok: #1a7f37; --no: #cf222e; --warn: #9a6700; --accent: #0969da; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #fff; }
header.top { display: flex; gap: 1rem; align-items: center; padding: .6rem 1.2rem; border-bottom: 1px solid var(--line); background: var(--bg); }
header.top a.home { font-weight: 600; color: var(--ink); text-decoration: none; }
header.top form { display: flex; gap: .4rem; margin-left: auto; }
main { max-width: 1100px; margin: 0 auto; padding: 1rem 1.2rem 3rem; }
h1 { font-size: 1.35rem; margin: .2rem 0 .6rem; word-break: break-all; }
h2 { font-size: 1.05rem; margin: 1.4rem 0 .5rem; }
input, button { font: inherit; padding: .3rem .5rem; border: 1px solid var(--line); border-radius: 6px; }
button { background: var(--accent); color: #fff; border-color: var(--accent); cursor: pointer; }
a { color: var(--accent); }
.muted { color: var(--muted); }
.mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .85em; word-break: break-all; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 999px; font-size: .8rem; font-weight: 600; border: 1px solid currentColor; white-space: nowrap; }
.badge.open, .badge.fired, .badge.emitted, .badge.pass { color: var(--ok); }
.badge.closed, .badge.fail, .badge.not_matched { color: var(--muted); }
.badge.suppressed, .badge.skipped_once, .badge.skipped_stop, .badge.disabled { color: var(--warn); }
.badge.reopen, .badge.follow_up, .badge.new_ticket, .badge.open_ticket { color: var(--accent); }
.tag { display: inline-block; background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: 0 .4rem; margin: 0 .2rem .2rem 0; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
form.at { margin: .8rem 0; display: flex; gap: .4rem; align-items: center; }
nav.pages { margin: .6rem 0; }
ol.timeline { list-style: none; padding: 0; margin: 0; border-left: 2px solid var(--line); }
ol.timeline > li { position: relative; margin: 0 0 .9rem 1rem; padding: .6rem .8rem; border: 1px solid var(--line); border-radius: 8px; }
ol.timeline > li::before { content: ""; position: absolute; left: calc(-1rem - 6px); top: .9rem; width: 10px; height: 10px; border-radius: 50%; background: var(--line); }
ol.timeline > li.rules { background: #fbfcfe; }
.entry-head { display: flex; flex-wrap: wrap; gap: .5rem; align-items: baseline; }
.entry-head .type { font-weight: 600; }
.entry-meta { color: var(--muted); font-size: .8rem; margin-top: .1rem; }
blockquote.body { margin: .4rem 0; padding: .3rem .6rem; border-left: 3px solid var(--line); background: var(--bg); white-space: pre-wrap; word-break: break-word; }
.decision { margin: .4rem 0; }
table { border-collapse: collapse; width: 100%; margin-top: .4rem; }
th, td { text-align: left; vertical-align: top; padding: .2rem .5rem; border-top: 1px solid var(--line); }
th { color: var(--muted); font-weight: 500; font-size: .8rem; }
table.diff td.before { color: var(--no); text-decoration: line-through; }
table.diff td.after { color: var(--ok); }
ul.conditions, ul.actions { list-style: none; margin: .2rem 0; padding: 0; }
ul.conditions li::before { content: attr(data-mark) " "; font-weight: 700; }
ul.conditions li.pass::before { color: var(--ok); }
ul.conditions li.fail::before { color: var(--no); }
section.ticket { border: 1px solid var(--line); border-radius: 8px; padding: .6rem .8rem; margin-bottom: 1rem; }
p.empty { color: var(--muted); }
`;
