import test from 'ava';
import { swimProfiles, type MemberMessage } from '../src/index.js';
import { CoreNet } from './helpers/core-net.js';

const nodes = 8;
const seeds = [1, 2, 3, 4, 5, 6, 7, 8, 9];

/** `count` member records of nodes that do not exist, as an outsider would forge them. */
function fakeRecords(count: number): MemberMessage[] {
  return Array.from({ length: count }, (_, i) => ({
    t: 'm',
    id: `fake${i}`,
    a: `fake${i}:1`,
    i: 1,
    s: 0,
    md: new Uint8Array(),
  }));
}

interface Run {
  /** When the last survivor declared the crashed node dead (Infinity: not within 120 s). */
  readonly ms: number;
  /** The highest local health score any survivor reached. */
  readonly awareness: number;
  /** The most live forged members any node held at once. */
  readonly fakesHeld: number;
}

/**
 * An 8-node LAN cluster; `fakes` forged members arrive at every node in one join request each
 * from an address nobody knows (and spread by gossip where they are believed); 20 s later n7
 * crashes.
 */
function detection(fakes: number, seed: number): Run {
  const net = new CoreNet();
  const ids = Array.from({ length: nodes }, (_, i) => `n${i}`);
  for (const id of ids) net.add(id, {}, seed);
  for (const id of ids.slice(1)) net.core(id).join(net.now, ['n0:1']);
  net.run(10_000);
  if (fakes > 0)
    for (const id of ids)
      net.core(id).handleRequest(net.now, 'intruder:1', { t: 'join', x: { members: fakeRecords(fakes) } });
  let fakesHeld = 0;
  const countFakes = (): void => {
    for (const id of ids) {
      const live = net
        .core(id)
        .table.alive()
        .filter((r) => r.id.startsWith('fake')).length;
      fakesHeld = Math.max(fakesHeld, live);
    }
  };
  for (let i = 0; i < 20; i++) {
    countFakes();
    net.run(1000);
  }
  const victim = `n${nodes - 1}`;
  const survivors = ids.filter((id) => id !== victim);
  const crashedAt = net.now;
  net.crash(victim);
  let awareness = 0;
  for (let waited = 0; waited < 120_000; waited += 100) {
    net.run(100);
    for (const id of survivors) awareness = Math.max(awareness, net.core(id).awarenessScore);
    if (survivors.every((id) => net.core(id).table.get(victim)?.status === 'dead'))
      return { ms: net.now - crashedAt, awareness, fakesHeld };
  }
  return { ms: Infinity, awareness, fakesHeld };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

const clean = median(seeds.map((s) => detection(0, s).ms));

for (const fakes of [50, 20_000]) {
  test(`${fakes} fake members: a crash is declared within 1.2x the time without them`, (t) => {
    const runs = seeds.map((s) => detection(fakes, s));
    const ms = median(runs.map((r) => r.ms));
    const awareness = Math.max(...runs.map((r) => r.awareness));
    const held = Math.max(...runs.map((r) => r.fakesHeld));
    t.log(
      `clean median ${clean} ms; with ${fakes} fakes median ${ms} ms ` +
        `(${runs.map((r) => r.ms).join(', ')}), highest awareness ${awareness}, most fakes held ${held}`,
    );
    t.true(Number.isFinite(clean));
    t.true(ms <= 1.2 * clean, `${ms} ms > 1.2 x ${clean} ms`);
    // Failing to reach a forged member is not our fault: local health stays where it was.
    t.is(awareness, 0);
    t.true(held <= swimProfiles.lan.unconfirmedMembersMax, `${held} forged members held`);
  });
}
