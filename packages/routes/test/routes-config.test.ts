import test, { type ExecutionContext } from 'ava';
import { ConfigError } from '@trellis/runtime';
import { defaultRoutesConfig, parseRoutesConfig, type RoutesConfig } from '../src/routes-config.js';

function problemsOf(t: ExecutionContext, input: unknown): string[] {
  const error = t.throws(() => parseRoutesConfig(input as Partial<RoutesConfig>), {
    instanceOf: ConfigError,
  });
  return error?.problems.map((p) => `${p.path}: ${p.message}`) ?? [];
}

test('defaults: settle 3 s, grace 10 s, reclaim 10 min, tombstones 30 min', (t) => {
  t.true(Object.isFrozen(defaultRoutesConfig));
  const c = parseRoutesConfig();
  t.deepEqual(c, defaultRoutesConfig);
  t.true(Object.isFrozen(c));
  t.like(c, {
    settleMs: 3000,
    graceMs: 10_000,
    reclaimMs: 600_000,
    tombstoneTtlMs: 1_800_000,
    recordsMax: 200_000,
    digestBuckets: 256,
    recomputeDelayMs: 100,
    broadcastShare: 0.5,
  });
  t.deepEqual(parseRoutesConfig({}), defaultRoutesConfig);
});

test('overrides replace only what they name', (t) => {
  const c = parseRoutesConfig({
    settleMs: 0,
    graceMs: 500,
    reclaimMs: 500,
    digestBuckets: 1,
    broadcastShare: 0.05,
  });
  t.like(c, { settleMs: 0, graceMs: 500, reclaimMs: 500, digestBuckets: 1, broadcastShare: 0.05 });
  t.is(c.tombstoneTtlMs, defaultRoutesConfig.tombstoneTtlMs);
  t.is(c.recordsMax, defaultRoutesConfig.recordsMax);
});

test('every problem is reported at once', (t) => {
  const problems = problemsOf(t, {
    settleMs: -1,
    graceMs: 1.5,
    tombstoneTtlMs: 999,
    recordsMax: 0,
    digestBuckets: 100,
    recomputeDelayMs: 'soon',
    broadcastShare: 1,
  });
  const paths = problems.map((p) => p.split(':')[0]).sort();
  t.deepEqual(
    paths,
    [
      'settleMs',
      'graceMs',
      'tombstoneTtlMs',
      'recordsMax',
      'digestBuckets',
      'recomputeDelayMs',
      'broadcastShare',
    ].sort(),
  );
  t.true(problems.some((p) => p.includes('power of two, got 100')));
  t.true(problems.some((p) => p.startsWith('broadcastShare') && p.includes('between 0.05 and 0.95')));
  const error = t.throws(() => parseRoutesConfig({ settleMs: -1 }), { instanceOf: ConfigError });
  t.regex(error?.message ?? '', /routes config/);
});

test('reclaimMs below graceMs is refused: a slice still routed must not be handed out', (t) => {
  const problems = problemsOf(t, { graceMs: 10_000, reclaimMs: 9_999 });
  t.is(problems.length, 1);
  t.regex(problems[0]!, /^reclaimMs: must be at least graceMs \(10000\)/);
  t.notThrows(() => parseRoutesConfig({ graceMs: 10_000, reclaimMs: 10_000 }));
  // Default reclaim with a grace above it.
  t.true(problemsOf(t, { graceMs: 700_000 }).some((p) => p.startsWith('reclaimMs:')));
});

test('unknown keys are refused by name', (t) => {
  const problems = problemsOf(t, { settleMS: 10, recordMax: 5 });
  t.deepEqual(problems, ['settleMS: is not a routes setting', 'recordMax: is not a routes setting']);
});

test('inherited property names are not settings', (t) => {
  const e = t.throws(() => parseRoutesConfig(JSON.parse('{"constructor":5,"toString":1}') as never), {
    instanceOf: ConfigError,
  });
  t.deepEqual(e?.problems.map((p) => p.path).sort(), ['constructor', 'toString']);
});

test('the bounds: records per owner, clock skew, loopback underlays; each problem listed', (t) => {
  t.like(parseRoutesConfig(), { recordsPerOwnerMax: 64, clockSkewMaxMs: 3_600_000, loopbackUnderlay: false });
  t.like(parseRoutesConfig({ recordsPerOwnerMax: 1, clockSkewMaxMs: 0, loopbackUnderlay: true }), {
    recordsPerOwnerMax: 1,
    clockSkewMaxMs: 0,
    loopbackUnderlay: true,
  });
  const problems = problemsOf(t, { recordsPerOwnerMax: 0, clockSkewMaxMs: -1, loopbackUnderlay: 'yes' });
  t.is(problems.length, 3, problems.join('\n'));
  for (const key of ['recordsPerOwnerMax', 'clockSkewMaxMs', 'loopbackUnderlay'])
    t.true(
      problems.some((p) => p.startsWith(key)),
      key,
    );
});
