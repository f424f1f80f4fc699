import test from 'ava';
import { parseSwimConfig, suspicionMinMs, swimProfiles } from '../src/index.js';
import { RoundTrip } from '../src/round-trip.js';
import { CoreNet } from './helpers/core-net.js';

const lan = swimProfiles.lan;

/** n nodes, joined through n0 and converged. */
function cluster(n: number, seed = 3): { net: CoreNet; ids: string[] } {
  const net = new CoreNet();
  const ids = Array.from({ length: n }, (_, i) => `n${i}`);
  for (const id of ids) net.add(id, {}, seed);
  for (const id of ids.slice(1)) net.core(id).join(net.now, ['n0:1']);
  net.run(15_000);
  for (const id of ids)
    if (net.core(id).table.alive().length !== n) throw new Error(`${id} did not converge`);
  return { net, ids };
}

test('the probe timeout follows measured round trips, between its minimum and maximum', (t) => {
  const rt = new RoundTrip(50, 500);
  t.is(rt.timeoutMs, 500, 'the maximum until an ack has been timed');
  for (let i = 0; i < 20; i++) rt.sample(2);
  t.is(rt.timeoutMs, 50, 'fast acks: the minimum, not 2 ms');
  const jittery = new RoundTrip(50, 500);
  for (let i = 0; i < 20; i++) jittery.sample(i % 2 === 0 ? 100 : 200);
  t.true(jittery.timeoutMs > 200 && jittery.timeoutMs <= 500, `100-200 ms acks: ${jittery.timeoutMs} ms`);
  const far = new RoundTrip(50, 500);
  for (let i = 0; i < 20; i++) far.sample(5000);
  t.is(far.timeoutMs, 500, 'never above the maximum');
});

test('probeTimeoutMinMs above probeTimeoutMs, and a zero suspicionRefusedMs, are config errors', (t) => {
  t.throws(() => parseSwimConfig({ probeTimeoutMinMs: 600 }), { message: /probeTimeoutMinMs/ });
  t.throws(() => parseSwimConfig({ suspicionRefusedMs: 0 }), { message: /suspicionRefusedMs/ });
  t.is(parseSwimConfig({}).probeTimeoutMinMs, lan.probeTimeoutMinMs);
});

/** 8 nodes; `end` takes n7 away. When the survivors first suspect it, and how many probes failed early. */
function firstSuspicion(end: (net: CoreNet, id: string) => void): { afterMs: number; early: number } {
  const { net, ids } = cluster(8);
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
  // Silent: a stalled process, or a host gone without a reset. Its stream only times out.
  const silent = firstSuspicion((net, id) => net.crash(id));
  t.log(`first suspicion: killed +${killed.afterMs} ms, silent +${silent.afterMs} ms`);
  t.true(killed.early > 0, 'concluded early');
  t.is(silent.early, 0, 'a target that only goes silent is judged at the end of the interval');
  // Same seed, same probe schedule: the kill is suspected once the evidence is in (a 50 ms
  // probe timeout, then the helpers' nacks at 80 % of the 500 ms relay wait), not at the end of
  // its interval.
  t.true(killed.afterMs + 500 <= silent.afterMs, `killed ${killed.afterMs} ms, silent ${silent.afterMs} ms`);
});

test('a live node that accepts the stream and closes it unanswered is no refusal: the slow path', (t) => {
  // Overloaded: its UDP goes unanswered, so every helper nacks, and its stream limit closes
  // the probe's connection once accepted. A live process can do that; only a refusal of the
  // connection attempt says nobody is there.
  const closing = firstSuspicion((net, id) => {
    net.udpDown.add(id);
    net.resetting.add(id);
  });
  const killed = firstSuspicion((net, id) => net.kill(id));
  t.log(`first suspicion: closing +${closing.afterMs} ms, killed +${killed.afterMs} ms`);
  t.true(Number.isFinite(closing.afterMs), 'suspected all the same, at the end of an interval');
  t.is(closing.early, 0, 'no probe concluded early on a closed stream');
  t.true(killed.early > 0);
});

/** 16 nodes; `end` takes n15 away. From its first suspicion until every survivor holds it dead. */
function suspicionLasts(end: (net: CoreNet, id: string) => void): number {
  const { net, ids } = cluster(16);
  const at = net.now;
  end(net, 'n15');
  net.run(40_000);
  const suspected = net.events.find((e) => e.at >= at && e.event.type === 'memberSuspected');
  const died = net.events.filter((e) => e.event.type === 'memberDied' && e.event.member.id === 'n15');
  if (suspected === undefined || died.length !== ids.length - 1) return Infinity;
  return Math.max(...died.map((e) => e.at)) - suspected.at;
}

test('a member whose host refused the stream is buried suspicionRefusedMs after the suspicion; a silent one waits for the floor', (t) => {
  const killed = suspicionLasts((net, id) => net.kill(id));
  const silent = suspicionLasts((net, id) => net.crash(id));
  const floor = suspicionMinMs(lan.suspicionMult, 16, lan.probeIntervalMs);
  t.log(`suspected to dead everywhere: killed ${killed} ms, silent ${silent} ms (floor ${floor} ms)`);
  // The accuser's own timer runs out, then its death notice spreads over 1 ms links.
  t.true(killed <= lan.suspicionRefusedMs + 100, `killed: ${killed} ms`);
  t.true(silent >= floor, `silent: ${silent} ms, floor ${floor} ms`);
});

test('a node stalled past its suspicion deadline reads the queued refutation before burying anyone', (t) => {
  const { net } = cluster(3);
  net.udpDown.add('n2');
  net.streamDown.add('n2');
  const cutAt = net.now;
  let suspected = false;
  while (!suspected && net.now < cutAt + 20_000) {
    net.run(1);
    suspected = net.events.some(
      (e) =>
        e.at >= cutAt && e.node === 'n0' && e.event.type === 'memberSuspected' && e.event.member.id === 'n2',
    );
  }
  t.true(suspected, 'n0 suspects n2');
  // n2 comes back and refutes at once; n0 freezes past any deadline its suspicion can have,
  // so the refutation waits in its input queue while its suspicion timer runs out.
  net.udpDown.delete('n2');
  net.streamDown.delete('n2');
  net.stall('n0');
  const maxMs = lan.suspicionMaxTimeoutMult * suspicionMinMs(lan.suspicionMult, 3, lan.probeIntervalMs);
  net.run(maxMs + 2000);
  const stalledAt = net.now;
  t.is(net.core('n1').table.get('n2')?.status, 'alive', 'n1 got the refutation');
  net.wake('n0');
  net.run(100);
  const buried = net.events.some(
    (e) =>
      e.at >= stalledAt && e.node === 'n0' && e.event.type === 'memberDied' && e.event.member.id === 'n2',
  );
  t.false(buried, 'n0 declared n2 dead on waking, before reading its refutation');
  t.is(net.core('n0').table.get('n2')?.status, 'alive');
});
