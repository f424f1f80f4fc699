import test from 'ava';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AllocationWriter, allocationFileName, loadAllocations } from '../src/cni/allocation-file.js';
import { AllocationTable } from '../src/cni/allocation-table.js';
import { CniExhaustedError } from '../src/cni/cni-errors.js';
import { taskNaming } from '../src/cni/task-naming.js';
import { FileProblems } from '../src/config/file-problems.js';

const req = (containerId: string, ifname = 'eth0', network = 'dcos') => ({
  network,
  containerId,
  ifname,
  name: containerId,
  framework: 'cni',
});

test('before a settled slice ADD is "not ready"; after it, the lowest free addresses, idempotent per key', (t) => {
  const table = new AllocationTable('h1', ['dcos']);
  const early = table.add(1, req('a'));
  t.like(early, { ok: false, reason: 'notReady' });
  table.handleSlice('dcos', { v4: '9.0.3.0/25' });
  const a = table.add(2, req('a'));
  const a2 = table.add(3, req('a', 'eth1'));
  t.like(a, {
    ok: true,
    created: true,
    allocation: { ipv4: '9.0.3.2', gateway: '9.0.3.1', prefixLength: 25 },
  });
  t.like(a2, { ok: true, created: true, allocation: { ipv4: '9.0.3.3' } });
  t.like(table.add(4, req('a')), {
    ok: true,
    created: false,
    allocation: { ipv4: '9.0.3.2', allocatedAt: 2 },
  });
  t.is(table.release({ network: 'dcos', containerId: 'a', ifname: 'eth0' })?.ipv4, '9.0.3.2');
  t.is(
    table.release({ network: 'dcos', containerId: 'a', ifname: 'eth0' }),
    undefined,
    'release is idempotent',
  );
  t.like(table.add(5, req('b')), { ok: true, allocation: { ipv4: '9.0.3.2' } });
  t.is(table.add(6, req('x', 'eth0', 'nope')).ok, false, 'an unknown network is never ready');
});

test('exhaustion: a typed error naming overlay, agent and half size, an event, a counter', (t) => {
  const table = new AllocationTable('h7', ['tiny']);
  table.handleSlice('tiny', { v4: '10.0.0.0/29' });
  for (const id of ['a', 'b', 'c', 'd', 'e']) t.true(table.add(0, req(id, 'eth0', 'tiny')).ok);
  const full = table.add(0, req('f', 'eth0', 'tiny'));
  if (full.ok || full.reason !== 'exhausted') return t.fail('not exhausted');
  t.true(full.error instanceof CniExhaustedError);
  t.is(full.error.code, 'ERR_TRELLIS_CNI_EXHAUSTED');
  t.is(
    full.error.message,
    'overlay tiny: no free container address on agent h7: all 5 addresses of its Mesos half 10.0.0.0/29 are allocated',
  );
  t.like(table.pollEvent(), { type: 'exhausted', network: 'tiny', message: full.error.message });
  t.like(table.status('tiny'), { exhausted: 1, allocated: 5, capacity: 5 });
});

test('restored allocations keep their addresses; a new slice reports the ones outside it', (t) => {
  const first = new AllocationTable('h1', ['dcos']);
  first.handleSlice('dcos', { v4: '9.0.3.0/25' });
  for (const id of ['a', 'b', 'c']) first.add(0, req(id));
  first.release({ network: 'dcos', containerId: 'b', ifname: 'eth0' });
  const saved = first.snapshot();

  const again = new AllocationTable('h1', ['dcos'], saved);
  again.handleSlice('dcos', { v4: '9.0.3.0/25' });
  t.is(again.pollEvent(), undefined, 'same slice: nothing outside');
  t.like(again.add(1, req('d')), { allocation: { ipv4: '9.0.3.3' } }, 'the freed one, not a held one');
  t.like(again.add(1, req('e')), { allocation: { ipv4: '9.0.3.5' } });

  const moved = new AllocationTable('h1', ['dcos'], saved);
  moved.handleSlice('dcos', { v4: '9.0.4.0/25' });
  const e = moved.pollEvent();
  t.like(e, { type: 'outside', network: 'dcos', half: '9.0.4.0/25' });
  t.deepEqual(e?.type === 'outside' ? e.allocations.map((a) => a.containerId) : [], ['a', 'c']);
  t.like(moved.status('dcos'), { outside: 2, allocated: 2 });
  t.like(moved.add(1, req('n')), { allocation: { ipv4: '9.0.4.2' } });
  moved.release({ network: 'dcos', containerId: 'a', ifname: 'eth0' });
  t.like(moved.status('dcos'), { outside: 1, allocated: 2 });
});

test('GC releases every allocation of the network not in the keep-list, and only of that network', (t) => {
  const table = new AllocationTable('h1', ['dcos', 'ov2']);
  table.handleSlice('dcos', { v4: '9.0.3.0/25' });
  table.handleSlice('ov2', { v4: '10.77.1.0/25' });
  for (const id of ['a', 'b', 'c']) table.add(0, req(id));
  table.add(0, req('z', 'eth0', 'ov2'));
  const released = table.gc('dcos', [{ containerId: 'b', ifname: 'eth0' }]);
  t.deepEqual(released.map((a) => a.containerId).sort(), ['a', 'c']);
  t.deepEqual(
    table
      .list()
      .map((a) => `${a.network}/${a.containerId}`)
      .sort(),
    ['dcos/b', 'ov2/z'],
  );
});

test('task naming: pod name, then the trellis.task label, then the container id; framework label or default', (t) => {
  const base = { containerId: 'abc123', args: {}, labels: {}, framework: 'cni' };
  t.deepEqual(taskNaming(base), { name: 'abc123', framework: 'cni' });
  t.deepEqual(taskNaming({ ...base, labels: { 'trellis.task': 'db', 'trellis.framework': 'marathon' } }), {
    name: 'db',
    framework: 'marathon',
  });
  t.is(taskNaming({ ...base, args: { K8S_POD_NAME: 'web' }, labels: { 'trellis.task': 'db' } }).name, 'web');
  t.is(taskNaming({ ...base, args: { K8S_POD_NAME: '---' } }).name, 'abc123', 'no DNS label: skipped');
  t.is(taskNaming({ ...base, labels: { 'trellis.framework': '..' } }).framework, 'cni');
});

test('the writer never runs two writes at once, and every save resolves after a write that began after it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-writer-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const table = new AllocationTable('h1', ['dcos']);
  table.handleSlice('dcos', { v4: '9.0.3.0/25' });
  const writer = new AllocationWriter(dir, () => table.snapshot());
  const saves: Promise<void>[] = [];
  // Saves asked at every turn of the event loop while writes finish: the moments in between
  // (one write done, the next not started yet) are where a second concurrent write could start.
  for (let i = 0; i < 60; i++) {
    table.add(i, req(`c${i}`));
    saves.push(writer.save());
    await new Promise((r) => setImmediate(r));
  }
  await Promise.all(saves);
  const saved = JSON.parse(readFileSync(join(dir, allocationFileName), 'utf8')) as { allocations: unknown[] };
  t.is(saved.allocations.length, 60);
  t.true(writer.writes < 60, `${writer.writes} writes for 60 saves`);
});

const dual = { v4: '9.0.3.0/25', v6: 'fd01:b::/81' };

test('dual-stack: one address of each family, gateways ::1 and .1, both freed by DEL', (t) => {
  const table = new AllocationTable('h1', ['dcos']);
  table.handleSlice('dcos', dual);
  t.like(table.add(1, req('a')), {
    ok: true,
    allocation: {
      ipv4: '9.0.3.2',
      prefixLength: 25,
      gateway: '9.0.3.1',
      ipv6: 'fd01:b::2',
      prefixLength6: 81,
      gateway6: 'fd01:b::1',
    },
  });
  t.like(table.add(2, req('a')), { created: false, allocation: { ipv6: 'fd01:b::2' } }, 'idempotent');
  t.like(table.add(3, req('b')), { allocation: { ipv4: '9.0.3.3', ipv6: 'fd01:b::3' } });
  table.release({ network: 'dcos', containerId: 'a', ifname: 'eth0' });
  t.like(table.add(4, req('c')), { allocation: { ipv4: '9.0.3.2', ipv6: 'fd01:b::2' } }, 'both freed');
  t.like(table.status('dcos'), { half: '9.0.3.0/25', half6: 'fd01:b::/81', capacity: 125, full: null });
});

test('IPv6 only: the allocation has the IPv6 fields and none of IPv4', (t) => {
  const table = new AllocationTable('h1', ['v6']);
  table.handleSlice('v6', { v6: 'fd02::/120' });
  const a = table.add(1, req('a', 'eth0', 'v6'));
  if (!a.ok) return t.fail('refused');
  t.like(a.allocation, { ipv6: 'fd02::2', prefixLength6: 120, gateway6: 'fd02::1' });
  t.false('ipv4' in a.allocation || 'gateway' in a.allocation || 'prefixLength' in a.allocation);
  t.like(table.status('v6'), { half: null, half6: 'fd02::/120', capacity: 254 });
});

test('a full IPv6 half refuses the ADD naming it, and the IPv4 address taken for it is given back', (t) => {
  const table = new AllocationTable('h1', ['dcos']);
  // A /126 IPv6 half: ::0, gateway ::1, two containers.
  table.handleSlice('dcos', { v4: '9.0.3.0/25', v6: 'fd01:b::/126' });
  t.true(table.add(0, req('a')).ok);
  t.true(table.add(0, req('b')).ok);
  t.like(table.status('dcos'), { capacity: 2, full: 'fd01:b::/126' });
  const full = table.add(0, req('c'));
  if (full.ok || full.reason !== 'exhausted') return t.fail('not exhausted');
  t.is(full.error.half, 'fd01:b::/126');
  t.is(full.error.capacity, 2);
  table.release({ network: 'dcos', containerId: 'a', ifname: 'eth0' });
  t.like(table.add(0, req('d')), { allocation: { ipv4: '9.0.3.2', ipv6: 'fd01:b::2' } }, 'no IPv4 leaked');
});

test('dual-stack allocations restore both addresses; one outside the new IPv6 half is reported', (t) => {
  const first = new AllocationTable('h1', ['dcos']);
  first.handleSlice('dcos', dual);
  for (const id of ['a', 'b']) first.add(0, req(id));
  const saved = first.snapshot();
  const again = new AllocationTable('h1', ['dcos'], saved);
  again.handleSlice('dcos', dual);
  t.is(again.pollEvent(), undefined);
  t.like(again.add(1, req('c')), { allocation: { ipv4: '9.0.3.4', ipv6: 'fd01:b::4' } });
  const moved = new AllocationTable('h1', ['dcos'], saved);
  moved.handleSlice('dcos', { v4: '9.0.3.0/25', v6: 'fd01:c::/81' });
  t.like(moved.pollEvent(), { type: 'outside', half: '9.0.3.0/25 fd01:c::/81' });
  t.like(moved.status('dcos'), { outside: 2 });
  // Their IPv4 addresses stay theirs: the containers still use them.
  t.like(moved.add(1, req('c')), { allocation: { ipv4: '9.0.3.4', ipv6: 'fd01:c::2' } });
  moved.release({ network: 'dcos', containerId: 'a', ifname: 'eth0' });
  t.like(moved.status('dcos'), { outside: 1 });
});

test('the allocations file: IPv4-only entries of older files, dual-stack and IPv6-only ones load; a half family is malformed', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-alloc-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const base = { network: 'dcos', ifname: 'eth0', allocatedAt: 1 };
  const task = (id: string) => ({ id: `cni:dcos:${id}:eth0`, name: id, framework: 'cni' });
  const v4 = { ipv4: '9.0.3.2', prefixLength: 25, gateway: '9.0.3.1' };
  const v6 = { ipv6: 'fd01:b::2', prefixLength6: 81, gateway6: 'fd01:b::1' };
  const load = async (allocations: object[]) => {
    writeFileSync(join(dir, allocationFileName), JSON.stringify({ version: 1, allocations }));
    const p = new FileProblems();
    return { list: await loadAllocations(dir, p), problems: p.list.list.map((x) => x.message) };
  };
  const good = [
    { ...base, containerId: 'old', ...v4, task: task('old') },
    { ...base, containerId: 'dual', ...v4, ...v6, task: task('dual') },
    { ...base, containerId: 'six', ...v6, task: task('six') },
  ];
  t.deepEqual(await load(good), { list: good, problems: [] });
  for (const bad of [
    { ...base, containerId: 'x', ipv6: 'fd01:b::2', task: task('x') },
    { ...base, containerId: 'x', ...v4, ...v6, ipv6: '9.0.3.9', task: task('x') },
    { ...base, containerId: 'x', ...v4, ...v6, prefixLength6: 129, task: task('x') },
    { ...base, containerId: 'x', task: task('x') },
  ])
    t.is((await load([bad])).problems.length, 1, JSON.stringify(bad));
});
