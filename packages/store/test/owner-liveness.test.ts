import test from 'ava';
import type { MemberRecord, MemberStatus } from '@trellis/membership';
import { ownerGone, ownerVisible, type OwnerRules } from '../src/owner-liveness.js';

function rules(members: Record<string, [MemberStatus, number, number]>): OwnerRules {
  const m = new Map(Object.entries(members));
  return {
    selfId: 'self',
    graceMs: 100,
    reapMs: 1000,
    liveness: {
      member: (id): MemberRecord | undefined => {
        const e = m.get(id);
        return e === undefined
          ? undefined
          : { id, addr: `${id}:1`, incarnation: e[2], status: e[0], meta: new Uint8Array() };
      },
      since: (id) => m.get(id)?.[1],
    },
  };
}

const r = rules({
  up: ['alive', 0, 5],
  sus: ['suspect', 0, 5],
  dead: ['dead', 1000, 5],
  left: ['left', 1000, 5],
});

test('visible: alive and suspect owners; a dead one during grace (arming its end); never left or unknown', (t) => {
  const armed: number[] = [];
  const arm = (at: number) => armed.push(at);
  t.true(ownerVisible(r, 'up', 2000, arm));
  t.true(ownerVisible(r, 'sus', 2000, arm));
  t.true(ownerVisible(r, 'dead', 1099, arm));
  t.deepEqual(armed, [1100]);
  t.false(ownerVisible(r, 'dead', 1100, arm), 'grace is over');
  t.false(ownerVisible(r, 'left', 1000, arm));
  t.false(ownerVisible(r, 'stranger', 1000, arm));
});

test('gone: left at once, dead after reapMs, unknown after reapMs stored; never self or live', (t) => {
  t.true(ownerGone(r, 'left', 5, 1000, undefined));
  t.false(ownerGone(r, 'dead', 5, 1999, undefined));
  t.true(ownerGone(r, 'dead', 5, 2000, undefined));
  t.false(ownerGone(r, 'stranger', 5, 5000, undefined), 'an incoming record of an unknown owner is admitted');
  t.false(ownerGone(r, 'stranger', 5, 5000, 4001));
  t.true(ownerGone(r, 'stranger', 5, 5000, 4000), 'stored reapMs ago');
  t.false(ownerGone(r, 'self', 5, 1e9, 0));
  t.false(ownerGone(r, 'up', 5, 1e9, 0));
});

test('gone: a record from a later life than the tombstone says is not gone', (t) => {
  t.false(ownerGone(r, 'left', 6, 1000, undefined), 'generation 6 > incarnation 5: a restart');
  t.false(ownerGone(r, 'dead', 6, 1e9, 0));
});
