import test from 'ava';
import { LinkPolicy } from '../src/link-policy.js';
import { latency } from '../src/latency.js';
import { defaultNetworkConfig } from '../src/simulation-config.js';

test('link beats sender host, which beats receiver host, which beats the network default', (t) => {
  const p = new LinkPolicy({ ...defaultNetworkConfig, lossRate: 0.1 });
  t.is(p.resolve('a', 'b').lossRate, 0.1);
  p.set('lossRate', 0.3, 'b');
  t.is(p.resolve('a', 'b').lossRate, 0.3);
  p.set('lossRate', 0.2, 'a');
  t.is(p.resolve('a', 'b').lossRate, 0.2);
  t.is(p.resolve('b', 'a').lossRate, 0.3);
  p.set('lossRate', 0.9, 'a', 'b');
  t.is(p.resolve('a', 'b').lossRate, 0.9);
  t.is(p.resolve('b', 'a').lossRate, 0.9);
  p.set('latency', latency.constant(7), 'a', 'c', false);
  t.deepEqual(p.resolve('a', 'c').latency, latency.constant(7));
  t.deepEqual(p.resolve('c', 'a').latency, defaultNetworkConfig.latency);
  p.set('duplicateRate', 0.5);
  t.is(p.resolve('x', 'y').duplicateRate, 0.5);
});
