import test from 'ava';
import { TransportError } from '@trellis/runtime';
import { Simulation } from '../src/index.js';

test('schedule returns a cancel function; now() is the simulation clock', (t) => {
  const sim = new Simulation({ seed: 1 });
  const h = sim.addHost('a:1');
  t.is(h.now(), sim.now);
  const fired: string[] = [];
  const cancel = h.schedule(h.now() + 5, () => fired.push('cancelled'));
  h.schedule(h.now() + 5, () => fired.push('kept'));
  cancel();
  sim.run(10);
  t.deepEqual(fired, ['kept']);
});

test('close stops the transport but not the timers; listen after close throws CLOSED', (t) => {
  const sim = new Simulation({ seed: 1 });
  const h = sim.addHost('a:1');
  let fired = false;
  h.schedule(h.now() + 5, () => (fired = true));
  h.close();
  t.false(h.running);
  sim.run(10);
  t.true(fired);
  const e = t.throws(() => h.listen({ onDatagram: () => {}, onRequest: () => {} }), {
    instanceOf: TransportError,
  });
  t.is(e.code, 'ERR_TRELLIS_CLOSED');
});

test('each host incarnation has its own deterministic Rng stream', (t) => {
  const draw = (seed: number) => {
    const sim = new Simulation({ seed });
    const a = sim.addHost('a:1');
    const b = sim.addHost('b:1');
    const a2 = sim.restart('a:1');
    return [a.rng.nextU32(), b.rng.nextU32(), a2.rng.nextU32()];
  };
  const x = draw(5);
  t.deepEqual(x, draw(5));
  t.is(new Set(x).size, 3);
  t.notDeepEqual(x, draw(6));
});
