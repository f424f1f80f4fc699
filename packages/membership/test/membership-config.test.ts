import test from 'ava';
import { ConfigError } from '@trellis/runtime';
import { defaultMembershipConfig, parseMembershipConfig, type MembershipConfig } from '../src/index.js';

test('defaults are frozen and parse to themselves', (t) => {
  t.true(Object.isFrozen(defaultMembershipConfig));
  t.deepEqual(parseMembershipConfig({}), defaultMembershipConfig);
  t.deepEqual(parseMembershipConfig(), defaultMembershipConfig);
  t.like(defaultMembershipConfig, {
    metaSizeMax: 512,
    membersMax: 100_000,
    tombstoneTtlMs: 86_400_000,
    digestBuckets: 256,
  });
});

test('given values override defaults; undefined means default', (t) => {
  const c = parseMembershipConfig({ metaSizeMax: 16_384, digestBuckets: 1 });
  t.like(c, { metaSizeMax: 16_384, digestBuckets: 1, membersMax: 100_000 });
  t.true(Object.isFrozen(c));
  const withUndefined = { membersMax: undefined } as unknown as Partial<MembershipConfig>;
  t.is(parseMembershipConfig(withUndefined).membersMax, 100_000);
});

test('every problem is reported at once', (t) => {
  const bad = {
    metaSizeMax: 16_385,
    membersMax: 0,
    tombstoneTtlMs: -1,
    digestBuckets: 100,
    gossipFanout: 3,
  } as unknown as Partial<MembershipConfig>;
  const e = t.throws(() => parseMembershipConfig(bad), { instanceOf: ConfigError });
  t.deepEqual(
    e?.problems.map((p) => p.path),
    [
      'membership.gossipFanout',
      'membership.metaSizeMax',
      'membership.membersMax',
      'membership.tombstoneTtlMs',
      'membership.digestBuckets',
    ],
  );
  t.regex(e?.message ?? '', /power of two/);
});

test('wrong types are problems, not crashes', (t) => {
  const bad = { metaSizeMax: '512', digestBuckets: Number.NaN } as unknown as Partial<MembershipConfig>;
  const e = t.throws(() => parseMembershipConfig(bad), { instanceOf: ConfigError });
  t.is(e?.problems.length, 2);
  t.throws(() => parseMembershipConfig(null as unknown as Partial<MembershipConfig>), {
    instanceOf: ConfigError,
  });
});
