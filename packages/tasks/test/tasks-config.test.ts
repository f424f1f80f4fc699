import test from 'ava';
import { ConfigError } from '@trellis/runtime';
import { defaultTasksConfig, parseTasksConfig } from '../src/tasks-config.js';

test('per-owner and clock bounds: defaults, and an agent may not publish more than its peers take', (t) => {
  t.like(defaultTasksConfig, { recordsPerOwnerMax: 20_000, clockSkewMaxMs: 3_600_000, localMax: 10_000 });
  t.like(parseTasksConfig({ localMax: 5, recordsPerOwnerMax: 5 }), { localMax: 5, recordsPerOwnerMax: 5 });
  const error = t.throws(() => parseTasksConfig({ localMax: 6, recordsPerOwnerMax: 5, clockSkewMaxMs: -1 }), {
    instanceOf: ConfigError,
  });
  t.deepEqual(
    error?.problems.map((p) => p.path),
    ['clockSkewMaxMs', 'localMax'],
  );
});
