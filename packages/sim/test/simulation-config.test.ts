import test from 'ava';
import { ConfigError } from '@trellis/runtime';
import { defaultSimulationConfig, parseSimulationConfig } from '../src/simulation-config.js';

test('defaults fill in what the options leave out, and are frozen', (t) => {
  const c = parseSimulationConfig({ seed: 1, network: { lossRate: 0.1 } });
  t.is(c.epochMs, 1_700_000_000_000);
  t.is(c.datagramSizeMax, 65_507);
  t.is(c.network.lossRate, 0.1);
  t.deepEqual(c.network.latency, defaultSimulationConfig.network.latency);
  t.true(Object.isFrozen(c) && Object.isFrozen(defaultSimulationConfig));
});

test('every problem is reported at once', (t) => {
  const e = t.throws(
    () =>
      parseSimulationConfig({
        seed: 1.5,
        network: { lossRate: 2, latency: { kind: 'constant', ms: -1 } },
        eventsMax: 0,
      }),
    { instanceOf: ConfigError },
  );
  t.deepEqual(
    e.problems.map((p) => p.path),
    ['seed', 'network.latency.ms', 'network.lossRate', 'eventsMax'],
  );
});
