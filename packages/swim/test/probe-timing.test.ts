import test from 'ava';
import { parseSwimConfig, swimProfiles } from '../src/index.js';
import { RoundTrip } from '../src/round-trip.js';
import { CoreNet } from './helpers/core-net.js';

test('the probe timeout follows measured round trips, between its minimum and maximum', (t) => {
  const rt = new RoundTrip(50, 500);
  t.is(rt.timeoutMs, 500, 'the maximum until an ack has been timed');
  for (let i = 0; i < 20; i++) rt.sample(2);
  t.is(rt.timeoutMs, 50, 'fast acks: the minimum, not 2 ms');
  const slow = new RoundTrip(50, 500);
  for (let i = 0; i < 20; i++) slow.sample(i % 2 === 0 ? 100 : 200);
  t.true(slow.timeoutMs > 200 && slow.timeoutMs <= 500, `jittery 100-200 ms acks: ${slow.timeoutMs} ms`);
  const wan = new RoundTrip(50, 500);
  for (let i = 0; i < 20; i++) wan.sample(5000);
  t.is(wan.timeoutMs, 500, 'never above the maximum');
});

test('probeTimeoutMinMs above probeTimeoutMs is a config error', (t) => {
  t.throws(() => parseSwimConfig({ probeTimeoutMinMs: 600 }), { message: /probeTimeoutMinMs/ });
  t.is(parseSwimConfig({}).probeTimeoutMinMs, swimProfiles.lan.probeTimeoutMinMs);
});

/** 8 nodes, converged; then `end` takes n7 away. Returns when each survivor first suspected it. */
function firstSuspicion(end: (net: CoreNet, id: string) => void): { afterMs: number; early: number } {
  const net = new CoreNet();
  const ids = Array.from({ length: 8 }, (_, i) => `n${i}`);
  for (const id of ids) net.add(id, {}, 3);
  for (const id of ids.slice(1)) net.core(id).join(net.now, ['n0:1']);
  net.run(15_000);
  const at = net.now;
  end(net, 'n7');
  net.run(10_000);
  const suspected = net.events.find(
    (e) => e.at >= at && e.event.type === 'memberSuspected' && e.event.member.id === 'n7',
  );
  const early = ids.slice(0, -1).reduce((sum, id) => sum + net.core(id).stats().probesConcludedEarly, 0);
  return { afterMs: (suspected?.at ?? Infinity) - at, early };
}

test('a refused stream and every helper nacking make the target suspect before the interval ends', (t) => {
  const killed = firstSuspicion((net, id) => net.kill(id));
  const silent = firstSuspicion((net, id) => net.crash(id));
  t.log(
    `first suspicion: killed (stream refused) +${killed.afterMs} ms, silent (stream times out) +${silent.afterMs} ms`,
  );
  t.true(killed.early > 0, 'concluded early');
  t.is(silent.early, 0, 'a target that only goes silent is judged at the end of the interval');
  // Same seed, same probe schedule: the kill is suspected as soon as the evidence is in, some
  // 50 ms probe timeout plus 40 ms of relayed pings after the probe, not at its interval's end.
  t.true(killed.afterMs + 500 <= silent.afterMs, `killed ${killed.afterMs} ms, silent ${silent.afterMs} ms`);
});
