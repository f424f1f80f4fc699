import test from 'ava';
import { ConfigError } from '@trellis/runtime';
import { parseSwimConfig, swimProfiles } from '../src/index.js';

test('profiles carry memberlist numbers', (t) => {
  t.like(swimProfiles.lan, {
    probeIntervalMs: 1000,
    probeTimeoutMs: 500,
    gossipIntervalMs: 200,
    gossipNodes: 3,
  });
  t.like(swimProfiles.wan, {
    probeIntervalMs: 5000,
    probeTimeoutMs: 3000,
    suspicionMult: 6,
    pushPullIntervalMs: 60_000,
  });
  t.like(swimProfiles.local, { probeTimeoutMs: 200, indirectChecks: 1, retransmitMult: 2, suspicionMult: 3 });
  t.true(Object.isFrozen(swimProfiles.lan));
});

test('overrides apply over the chosen profile', (t) => {
  const c = parseSwimConfig({ gossipNodes: 5 }, 'wan');
  t.is(c.gossipNodes, 5);
  t.is(c.probeIntervalMs, 5000);
});

test('every problem is reported at once', (t) => {
  const e = t.throws(
    () =>
      parseSwimConfig({
        probeIntervalMs: 100,
        probeTimeoutMs: 200,
        gossipNodes: -1,
        lifeguard: 'yes' as unknown as boolean,
        bogus: 1,
      } as never),
    { instanceOf: ConfigError },
  );
  const paths = e?.problems.map((p) => p.path).sort();
  t.deepEqual(paths, ['bogus', 'gossipNodes', 'lifeguard', 'probeTimeoutMs']);
});

test('an unknown profile is a config error', (t) => {
  t.throws(() => parseSwimConfig({}, 'fast' as never), { instanceOf: ConfigError });
});
