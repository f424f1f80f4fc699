import test from 'ava';
import { existsSync } from 'node:fs';
import { createNode } from '@trellis/node';
import { routeStore } from '@trellis/routes';
import { taskStore } from '@trellis/tasks';
import puppeteer, { type Page } from 'puppeteer-core';
import type { AgentNode } from '../src/agent-node.js';
import { startApiHarness } from './fixtures/api-harness.js';
import { call } from './fixtures/http-client.js';

/**
 * The status page in a real browser (Debian's headless Chromium): a three-node cluster behind
 * agent-a's API, the page loaded from it with no console error, members and routes shown, a
 * hostile task name shown as text, and the page following a node's leave.
 */
const chromium = '/usr/bin/chromium';
const hostile = '<img src=x onerror="window.pwned=1">';

test('the page, its script and style are served with a strict content security policy', async (t) => {
  const { tcp, socket } = await startApiHarness(t);
  for (const [path, type] of [
    ['/', 'text/html'],
    ['/ui/status.js', 'text/javascript'],
    ['/ui/status.css', 'text/css'],
  ] as const) {
    const r = await call(tcp, 'GET', path);
    t.is(r.status, 200, path);
    t.true(String(r.headers['content-type']).startsWith(type), path);
    t.regex(String(r.headers['content-security-policy']), /default-src 'none'; script-src 'self'/);
    t.is(r.headers['x-content-type-options'], 'nosniff');
    t.is((await call(socket, 'GET', path)).text, r.text, `${path} on the socket`);
  }
  t.is((await call(tcp, 'GET', '/ui/other.js')).status, 404);
  t.is(
    (await call(tcp, 'POST', '/', { headers: { authorization: 'Bearer test-token-0123456789abcdef' } }))
      .status,
    405,
  );
  const overview = (await call(tcp, 'GET', '/v1/overview')).body as {
    status: { node: string };
    counters: unknown[];
  };
  t.is(overview.status.node, 'agent-a');
  t.true(overview.counters.length > 0);
});

async function peer(id: string, seed: string): Promise<AgentNode> {
  const node = await createNode({
    id,
    bind: '127.0.0.1:0',
    keyring: null,
    seeds: [seed],
    stores: { routes: routeStore({ overlays: [{ name: 'dcos', subnet: '9.0.0.0/8' }] }), tasks: taskStore() },
  });
  await node.joined();
  return node;
}

/** The cells of a table's data rows, as the page shows them. */
async function rowCells(page: Page, table: string): Promise<string[][]> {
  const cells = await page.evaluate(
    `[...document.querySelectorAll('#${table} tr[data-key]')].map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent))`,
  );
  return cells as string[][];
}

test('in headless Chromium the page shows a three-node cluster and follows a leave', async (t) => {
  t.timeout(120_000);
  t.true(existsSync(chromium), `the test needs Debian's chromium (${chromium}): apt-get install chromium`);
  const { node: a, tcp, reconciler } = await startApiHarness(t, { dnsZone: 'dcos.thisdcos.directory' });
  await reconciler.runOnce();
  const b = await peer('agent-b', a.address);
  const c = await peer('agent-c', a.address);
  t.teardown(() => Promise.all([b.close(), c.close()]));
  a.stores.routes.publish('dcos', { underlayIp: '10.0.0.1' });
  b.stores.routes.publish('dcos', { underlayIp: '10.0.0.2' });
  c.stores.routes.publish('dcos', { underlayIp: '10.0.0.3' });
  b.stores.tasks.publish({
    id: 'web.1',
    name: hostile,
    framework: 'marathon',
    agentIp: '10.0.0.2',
    networks: [],
  });

  const browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  t.teardown(() => browser.close());
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${String(e)}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  await page.setViewport({ width: 1200, height: 900 });
  await page.goto(`http://127.0.0.1:${tcp.port}/`, { waitUntil: 'load' });

  // Expressions, not functions: they run in the page, and this package is not compiled with DOM types.
  const count = (selector: string) => `document.querySelectorAll('${selector}').length`;
  const cluster = `${count('#members tr.status-alive')} === 3 && ${count('#routes tr[data-key]')} === 2 && ${count('#tasks tr[data-key]')} === 1`;
  await page.waitForFunction(cluster, { timeout: 60_000 });
  const members = await rowCells(page, 'members');
  t.deepEqual(members.map((r) => [r[0], r[2]]).sort(), [
    ['agent-a', 'alive'],
    ['agent-b', 'alive'],
    ['agent-c', 'alive'],
  ]);
  const routes = await rowCells(page, 'routes');
  t.deepEqual(routes.map((r) => [r[1], r[3]]).sort(), [
    ['agent-b', '10.0.0.2'],
    ['agent-c', '10.0.0.3'],
  ]);
  const [task] = await rowCells(page, 'tasks');
  t.is(task?.[0], hostile, 'a hostile task name is shown as text');
  t.regex(
    task?.[4] ?? '',
    /^img-src-x-onerror-window-pwned-1\.marathon\.containerip\.dcos\.thisdcos\.directory /,
  );
  const [kernel] = await rowCells(page, 'kernel');
  t.deepEqual(kernel?.slice(0, 4), ['yes', '0', '0', '1'], 'in sync, desired against applied, one pass');
  t.is(await page.evaluate(count('img')), 0);
  t.is(await page.evaluate('window.pwned'), undefined);
  t.is(await page.evaluate("document.querySelector('#state').textContent"), 'live');

  await c.leave();
  await page.waitForFunction(`${count('#members tr[data-key="agent-c"].status-left')} === 1`, {
    timeout: 30_000,
  });
  await page.waitForFunction(`${count('#routes tr[data-key]')} === 1`, { timeout: 30_000 });
  const shot = process.env['TRELLIS_STATUS_SCREENSHOT'];
  if (shot !== undefined) await page.screenshot({ path: shot, fullPage: true });
  t.deepEqual(problems, []);
});
