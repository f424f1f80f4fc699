import test from 'ava';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AllocationWriter, allocationFileName } from '../src/cni/allocation-file.js';
import { AllocationTable } from '../src/cni/allocation-table.js';
import { CniExhaustedError } from '../src/cni/cni-errors.js';
import { taskNaming } from '../src/cni/task-naming.js';

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
