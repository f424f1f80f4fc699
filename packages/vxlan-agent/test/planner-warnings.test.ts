import test from 'ava';
import { defaultOverlayInput, parseOverlay, vtepMac, type RouteEntry } from '@trellis/routes';
import { memoryLogger, type LogRecord } from '@trellis/runtime';
import { desiredState } from '../src/planner/desired-state.js';
import { PlannerWarnings } from '../src/planner-warnings.js';

const dcos = parseOverlay(defaultOverlayInput);

function entry(owner: string, slice: number, over: Partial<RouteEntry> = {}): RouteEntry {
  const { index: _index, ...subnets } = dcos.slice(slice);
  const vtepIp = dcos.vtepIp(slice);
  const underlayIp = `10.0.0.${slice}`;
  const base = { ...subnets, overlay: 'dcos', owner, generation: 1, version: 1, slice, underlayIp };
  return { ...base, vtepIp, vtepMac: vtepMac(vtepIp), ...over };
}

/** The planner's warnings for our agent-a on slice 1 and these remotes. */
function warningsOf(remotes: RouteEntry[]) {
  const local = entry('agent-a', 1);
  return desiredState([{ overlay: dcos, local, remotes, underlayMtu: 1500, bridges: false }]).warnings;
}

const sharedMac = '70:b3:d5:ff:00:01';
const b = entry('agent-b', 2, { vtepMac: sharedMac });
const c = entry('agent-c', 3, { vtepMac: sharedMac });
const d = entry('agent-d', 4);

function tracker() {
  const records: LogRecord[] = [];
  const w = new PlannerWarnings(memoryLogger(records));
  const lines = (message: string) => records.filter((r) => r.message === message);
  return { w, records, lines };
}

test('a collision reported on every pass is logged and counted once', (t) => {
  const { w, records, lines } = tracker();
  const first = w.update(warningsOf([b, c, d]));
  t.deepEqual(
    first.raised.map((x) => [x.owner, x.reason, x.keptOwner]),
    [['agent-c', 'duplicateVtepMac', 'agent-b']],
  );
  for (let pass = 0; pass < 100; pass++) {
    // Table order differs between passes; the planner's answer, and so the warning, does not.
    const changes = w.update(warningsOf(pass % 2 === 0 ? [d, c, b] : [c, b, d]));
    t.deepEqual(changes, { raised: [], cleared: [] });
  }
  t.is(records.length, 1);
  t.like(lines('address collision: remote route skipped')[0], {
    level: 'warn',
    fields: {
      warning: 'remoteSkipped',
      reason: 'duplicateVtepMac',
      overlay: 'dcos',
      owner: 'agent-c',
      slice: 3,
      keptOwner: 'agent-b',
    },
  });
  t.deepEqual(w.counts(), [{ type: 'remoteSkipped', reason: 'duplicateVtepMac', inForce: 1, raised: 1 }]);
});

test('a collision that goes is logged once as resolved; its count stays, at 0 in force', (t) => {
  const { w, lines } = tracker();
  w.update(warningsOf([b, c]));
  for (let pass = 0; pass < 10; pass++) w.update(warningsOf([b]));
  t.is(lines('collision resolved').length, 1);
  t.like(lines('collision resolved')[0], {
    level: 'info',
    fields: { owner: 'agent-c', reason: 'duplicateVtepMac' },
  });
  t.deepEqual(w.inForce(), []);
  t.deepEqual(w.counts(), [{ type: 'remoteSkipped', reason: 'duplicateVtepMac', inForce: 0, raised: 1 }]);
  w.update(warningsOf([b, c]));
  t.deepEqual(w.counts(), [{ type: 'remoteSkipped', reason: 'duplicateVtepMac', inForce: 1, raised: 2 }]);
  t.is(lines('address collision: remote route skipped').length, 2, 'it came back: a new warning');
});

test('a collision that moves to another kept owner is a new warning: resolved, then raised', (t) => {
  const { w, lines } = tracker();
  const a2 = entry('agent-0', 9, { vtepMac: sharedMac }); // sorts first: now it keeps the MAC
  w.update(warningsOf([b, c]));
  const moved = w.update(warningsOf([a2, b, c]));
  t.deepEqual(
    moved.raised.map((x) => [x.owner, x.keptOwner]),
    [
      ['agent-b', 'agent-0'],
      ['agent-c', 'agent-0'],
    ],
  );
  t.deepEqual(
    moved.cleared.map((x) => [x.owner, x.keptOwner]),
    [['agent-c', 'agent-b']],
  );
  t.is(lines('collision resolved').length, 1);
  t.is(lines('address collision: remote route skipped').length, 3);
  t.like(w.counts()[0], { inForce: 2, raised: 3 });
});

test('collisions with our own addresses are counted by their own reason', (t) => {
  const { w } = tracker();
  const ours = entry('agent-a', 1);
  w.update(
    warningsOf([
      entry('agent-e', 5, { vtepIp: ours.vtepIp! }),
      entry('agent-f', 6, { vtepMac: ours.vtepMac }),
    ]),
  );
  t.deepEqual(
    w.counts().map((c) => [c.reason, c.inForce]),
    [
      ['sameVtepIpAsLocal', 1],
      ['sameVtepMacAsLocal', 1],
    ],
  );
});
