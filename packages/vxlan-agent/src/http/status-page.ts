import type { Reply } from './reply.js';

/**
 * The agent's status page (`GET /`): one HTML page, its script and its style, no framework and
 * nothing fetched from elsewhere. The script reads `/v1/overview` every 2 s and renders it with
 * `textContent` only: member ids, task names and route fields come from the cluster, so none of
 * them may ever be parsed as markup. The content security policy forbids inline script and any
 * other origin as a second fence.
 */
const securityHeaders: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>trellis agent</title>
<link rel="icon" href="/ui/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/ui/status.css">
<script src="/ui/status.js" defer></script>
</head>
<body>
<header><h1>trellis agent <span id="node"></span></h1><p>updated <span id="updated">never</span> · <span id="state">loading</span></p></header>
<main>
<section><h2>Members <small id="member-counts"></small></h2><table id="members"></table></section>
<section><h2>Overlays</h2><table id="overlays"></table></section>
<section><h2>Routes to remote agents</h2><table id="routes"></table></section>
<section><h2>Kernel sync</h2><table id="kernel"></table></section>
<section><h2>Tasks</h2><table id="tasks"></table></section>
<section><h2>Counters</h2><table id="counters"></table></section>
</main>
</body>
</html>
`;

const css = `body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #1c2430; background: #f7f8fa; }
h1 { font-size: 1.4em; margin: 0; } h1 span { font-weight: normal; color: #4a5668; }
h2 { font-size: 1.1em; margin: 1.4em 0 0.4em; } h2 small { font-weight: normal; color: #4a5668; }
table { border-collapse: collapse; background: #fff; min-width: 30em; }
th, td { text-align: left; padding: 0.25em 0.8em; border-bottom: 1px solid #e3e6eb; vertical-align: top; }
th { background: #eef1f5; font-weight: 600; }
td.empty { color: #7a8596; font-style: italic; }
.ok { color: #1d7a3a; } .bad { color: #b3261e; font-weight: 600; }
tr.status-alive td:nth-child(3) { color: #1d7a3a; } tr.status-suspect td:nth-child(3) { color: #a86200; }
tr.status-dead td:nth-child(3), tr.status-left td:nth-child(3) { color: #b3261e; }
`;

const script = `'use strict';
const byId = (id) => document.getElementById(id);
function cell(tag, text) {
  const e = document.createElement(tag);
  e.textContent = text === undefined || text === null ? '' : String(text);
  return e;
}
function table(id, headers, rows) {
  const t = byId(id);
  const head = document.createElement('tr');
  for (const h of headers) head.append(cell('th', h));
  const body = rows.map((r) => {
    const tr = document.createElement('tr');
    if (r.key !== undefined) tr.dataset.key = r.key;
    if (r.cls !== undefined) tr.className = r.cls;
    for (const c of r.cells) tr.append(cell('td', c));
    return tr;
  });
  if (body.length === 0) {
    const tr = document.createElement('tr');
    const td = cell('td', 'none');
    td.colSpan = headers.length;
    td.className = 'empty';
    tr.append(td);
    body.push(tr);
  }
  t.replaceChildren(head, ...body);
}
function addresses(task) {
  return task.networks.map((n) => [n.name, n.ipv4, n.ipv6].filter((x) => x).join(' ')).join(', ');
}
function render(o) {
  const s = o.status;
  byId('node').textContent = s.node + ' at ' + s.address;
  byId('updated').textContent = new Date(o.at).toLocaleTimeString();
  const m = s.members;
  byId('member-counts').textContent =
    m.alive + ' alive, ' + m.suspect + ' suspect, ' + m.dead + ' dead, ' + m.left + ' left';
  table('members', ['id', 'address', 'status', 'incarnation'], o.members.map((x) => (
    { key: x.id, cls: 'status-' + x.status, cells: [x.id, x.addr, x.status, x.incarnation] })));
  table('overlays', ['overlay', 'subnet', 'VNI', 'this agent\\'s slice', 'state', 'routes'], s.overlays.map((x) => {
    const full = o.overlays.find((y) => y.name === x.name) || {};
    return { key: x.name, cells: [x.name, [full.subnet, full.subnet6].filter(Boolean).join(' '), full.vni, x.slice || 'none', x.state, x.routes] };
  }));
  const routes = Object.entries(o.routes).flatMap(([overlay, rs]) => rs.map((r) => (
    { key: overlay + '/' + r.owner, cells: [overlay, r.owner, r.agentSubnet || r.agentSubnet6, r.underlayIp, r.vtepIp || r.vtepIp6, r.vtepMac] })));
  table('routes', ['overlay', 'agent', 'agent subnet', 'underlay IP', 'VTEP IP', 'VTEP MAC'], routes);
  const k = s.kernel;
  // Desired against applied: the objects the tables call for, and how many the last pass had to change.
  table('kernel', ['in sync', 'desired objects', 'changed by the last pass', 'passes', 'errors', 'failures in a row', 'last success', 'last error', 'deletes held back'],
    k === null ? [] : [{ key: 'kernel', cls: k.inSync ? 'ok' : 'bad', cells: [k.inSync ? 'yes' : 'no', k.objectsOwned, k.lastOps,
      k.passes, k.errors, k.consecutiveFailures, k.lastSuccessAt || 'never', k.lastError || '', k.deletesHeldBack] }]);
  table('tasks', ['task', 'framework', 'agent', 'addresses', 'DNS names'], o.tasks.map((x) => (
    { key: x.id, cells: [x.name, x.framework, x.agent, addresses(x), x.dnsNames.join(' ')] })));
  table('counters', ['counter', 'labels', 'value'], o.counters.map((c) => (
    { cells: [c.name, Object.entries(c.labels).map(([a, b]) => a + '=' + b).join(' '), c.value] })));
}
async function refresh() {
  const state = byId('state');
  try {
    const res = await fetch('/v1/overview', { cache: 'no-store' });
    if (!res.ok) throw new Error('HTTP ' + res.status);
    render(await res.json());
    state.textContent = 'live';
    state.className = 'ok';
  } catch (e) {
    state.textContent = 'cannot reach the agent (' + e.message + '), retrying';
    state.className = 'bad';
  }
}
refresh();
setInterval(refresh, 2000);
`;

// A trellis: the browser asks for an icon anyway, and a 404 would be a console error.
const icon = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><path d="M2 2l12 12M14 2L2 14M8 1v14M1 8h14" stroke="#1d7a3a" stroke-width="1.5"/></svg>`;

const assets: ReadonlyMap<string, { readonly type: string; readonly body: string }> = new Map([
  ['/', { type: 'text/html; charset=utf-8', body: html }],
  ['/ui/status.js', { type: 'text/javascript; charset=utf-8', body: script }],
  ['/ui/status.css', { type: 'text/css; charset=utf-8', body: css }],
  ['/ui/icon.svg', { type: 'image/svg+xml', body: icon }],
]);

/** The page's files by path; undefined for any other path. */
export function statusPageAsset(path: string): Reply | undefined {
  const asset = assets.get(path);
  return asset === undefined ? undefined : { status: 200, ...asset, headers: securityHeaders };
}
