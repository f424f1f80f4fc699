import test from 'ava';
import { swimProfiles, suspicionMinMs } from '../src/index.js';
import { CoreNet } from './helpers/core-net.js';

const lan = swimProfiles.lan;
const runs = 12;

/** Builds an n-node LAN cluster, crashes its last node, returns each survivor's detection time. */
function detectionTimes(n: number, phaseMs: number, seed: number): number[] {
  const net = new CoreNet();
  const ids = Array.from({ length: n }, (_, i) => `n${i}`);
  for (const id of ids) net.add(id, {}, seed);
  for (const id of ids.slice(1)) net.core(id).join(net.now, ['n0:1']);
  net.run(10_000 + phaseMs);
  for (const id of ids) {
    if (net.core(id).table.alive().length !== n) throw new Error(`${id} did not converge`);
  }
  const victim = ids[n - 1]!;
  const crashedAt = net.now;
  net.crash(victim);
  net.run(60_000);
  return ids.slice(0, -1).map((id) => {
    const died = net.events.find(
      (e) => e.node === id && e.event.type === 'memberDied' && e.event.member.id === victim,
    );
    return died === undefined ? Infinity : died.at - crashedAt;
  });
}

for (const n of [2, 3, 5]) {
  test(`${n} nodes: every survivor declares a crashed node dead within interval + timeout + min + slack`, (t) => {
    const all: number[] = [];
    for (let seed = 1; seed <= runs; seed++) all.push(...detectionTimes(n, (seed * 317) % 1000, seed));
    all.sort((a, b) => a - b);
    const median = all[all.length >> 1]!;
    const base =
      lan.probeIntervalMs + lan.probeTimeoutMs + suspicionMinMs(lan.suspicionMult, n, lan.probeIntervalMs);
    // Every survivor must accuse the victim before the timeout reaches min (k = n - 2: all of
    // them). Randomized round-robin over the n - 1 others may start a survivor's next probe of
    // the victim up to 2(n - 1) - 1 periods after the crash; the probe then fails one period
    // later. So the last accusation lands by 2(n - 1) periods, which is base plus this slack,
    // plus 100 ms for the confirmation to gossip over the harness's 1 ms links (prompt rounds).
    const slackMs = (2 * (n - 1) - 1) * lan.probeIntervalMs - lan.probeTimeoutMs + 100;
    t.log(
      `${n} nodes, ${runs} crashes: detection median ${median} ms, max ${all[all.length - 1]} ms ` +
        `(bound ${base + slackMs} ms; all: ${all.map((ms) => (ms / 1000).toFixed(2)).join(' ')} s)`,
    );
    for (const ms of all) t.true(ms <= base + slackMs, `detected after ${ms} ms, bound ${base + slackMs} ms`);
    // The typical crash, though, is caught within one extra probe period.
    t.true(median <= base + lan.probeIntervalMs, `median ${median} ms`);
  });
}
