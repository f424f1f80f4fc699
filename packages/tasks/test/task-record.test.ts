import test from 'ava';
import fc from 'fast-check';
import { RegisterTable } from '@trellis/membership';
import {
  compareTaskWire,
  taskHash,
  taskSchema,
  validateTaskWire,
  type TaskWire,
} from '../src/task-record.js';
import { dnsLabel } from '../src/dns-label.js';

const base: TaskWire = {
  t: 'k',
  w: 'agent-1',
  i: 'web.1234',
  g: 5,
  v: 1,
  st: 0,
  n: 'web',
  f: 'marathon',
  a: '10.0.0.1',
  nw: [
    ['dcos', '9.0.1.2', ''],
    ['dcos6', '', 'fd01:b::2'],
  ],
};

test('a well-formed record validates to an equal, frozen copy', (t) => {
  const v = validateTaskWire(base);
  t.true(v.ok);
  if (!v.ok) return;
  t.deepEqual(v.record, base);
  t.true(Object.isFrozen(v.record) && Object.isFrozen(v.record.nw) && Object.isFrozen(v.record.nw[0]));
});

test('each kind of bad record is rejected with its reason', (t) => {
  const cases: [unknown, string][] = [
    [null, 'malformed'],
    [[], 'malformed'],
    [{ ...base, t: 'r' }, 'malformed'],
    [{ ...base, w: '' }, 'invalidOwner'],
    [{ ...base, w: 'x'.repeat(129) }, 'invalidOwner'],
    [{ ...base, i: 7 }, 'invalidId'],
    [{ ...base, i: 'web\n1' }, 'invalidId'],
    [{ ...base, i: 'web\u00001' }, 'invalidId'],
    [{ ...base, g: -1 }, 'invalidVersion'],
    [{ ...base, v: 1.5 }, 'invalidVersion'],
    [{ ...base, st: 2 }, 'malformed'],
    [{ ...base, n: '' }, 'invalidName'],
    [{ ...base, f: 'x'.repeat(256) }, 'invalidName'],
    [{ ...base, a: '300.0.0.1' }, 'invalidAddress'],
    // Not canonical: two replicas must never disagree on the text of one address.
    [{ ...base, a: 'FD01::0001' }, 'invalidAddress'],
    [{ ...base, a: 'fe80::1%eth0' }, 'invalidAddress'],
    [{ ...base, nw: {} }, 'invalidNetwork'],
    [{ ...base, nw: [['Dcos', '', '']] }, 'invalidNetwork'],
    [
      {
        ...base,
        nw: [
          ['b', '', ''],
          ['a', '', ''],
        ],
      },
      'invalidNetwork',
    ],
    [
      {
        ...base,
        nw: [
          ['a', '', ''],
          ['a', '', ''],
        ],
      },
      'invalidNetwork',
    ],
    [
      { ...base, nw: Array.from({ length: 17 }, (_, k) => [`n${String(k).padStart(2, '0')}`, '', '']) },
      'invalidNetwork',
    ],
    [{ ...base, nw: [['dcos', 'fd01::1', '']] }, 'invalidAddress'],
    [{ ...base, nw: [['dcos', '', '9.0.0.1']] }, 'invalidAddress'],
  ];
  for (const [raw, reason] of cases)
    t.like(validateTaskWire(raw), { ok: false, reason }, JSON.stringify(raw));
});

test('validation never throws, even on hostile objects', (t) => {
  const hostile = Object.defineProperty({ ...base }, 'n', {
    get() {
      throw new Error('boom');
    },
  });
  t.like(validateTaskWire(hostile), { ok: false, reason: 'malformed' });
  fc.assert(
    fc.property(fc.anything(), (x) => {
      validateTaskWire(x);
    }),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(
      fc.record({ ...Object.fromEntries(Object.keys(base).map((k) => [k, fc.anything()])) }),
      (x) => {
        validateTaskWire({ ...base, ...x });
      },
    ),
    { numRuns: 2000 },
  );
});

const arbRecord: fc.Arbitrary<TaskWire> = fc.record({
  t: fc.constant('k' as const),
  w: fc.constantFrom('a', 'b'),
  i: fc.constantFrom('t1', 't2', 't3'),
  g: fc.integer({ min: 0, max: 3 }),
  v: fc.integer({ min: 0, max: 3 }),
  st: fc.constantFrom(0 as const, 1 as const),
  n: fc.constantFrom('web', 'db'),
  f: fc.constantFrom('marathon', 'kafka'),
  a: fc.constantFrom('10.0.0.1', '10.0.0.2', 'fd00::1'),
  nw: fc.constantFrom<TaskWire['nw']>([], [['dcos', '9.0.0.2', '']], [['dcos', '9.0.0.3', '']]),
});

test('the order is total and antisymmetric, and the hash tells different records apart', (t) => {
  fc.assert(
    fc.property(arbRecord, arbRecord, (a, b) => {
      const ab = compareTaskWire(a, b);
      t.is(ab, (-compareTaskWire(b, a) || 0) as -1 | 0 | 1);
      const same = JSON.stringify(a) === JSON.stringify(b);
      t.is(ab === 0, same);
      const [ha, hb] = [taskHash(a), taskHash(b)];
      if (!same) t.notDeepEqual(ha, hb, 'hash collision on a tiny domain');
    }),
    { numRuns: 3000 },
  );
});

test('replicas that merge the same records in any order agree bit for bit', (t) => {
  fc.assert(
    fc.property(fc.array(arbRecord, { maxLength: 30 }), fc.integer(), (records, salt) => {
      const opts = { recordsMax: 100, tombstoneTtlMs: 60_000, digestBuckets: 8 };
      const x = new RegisterTable('self', taskSchema, opts);
      const y = new RegisterTable('self', taskSchema, opts);
      for (const r of records) x.merge(r, 0);
      const shuffled = [...records].sort(
        (p, q) => ((JSON.stringify(p).length * salt) % 7) - ((JSON.stringify(q).length * salt) % 7),
      );
      for (const r of [...shuffled, ...shuffled]) y.merge(r, 0);
      t.deepEqual(x.digest().root(), y.digest().root());
      t.deepEqual([...x.all()].sort(compareTaskWire), [...y.all()].sort(compareTaskWire));
    }),
    { numRuns: 500 },
  );
});

test('the DNS label rule', (t) => {
  t.is(dnsLabel('Web'), 'web');
  t.is(dnsLabel('/prod/web.v2'), 'prod-web-v2');
  t.is(dnsLabel('a__b'), 'a-b');
  t.is(dnsLabel('--x--'), 'x');
  t.is(dnsLabel('ÄÖ-db'), 'db');
  t.is(dnsLabel('!!!'), '');
  t.is(dnsLabel('\u212Aafka'), 'afka', 'the Kelvin sign is not an ASCII k');
  t.is(dnsLabel('\u0130stanbul'), 'stanbul');
  t.is(dnsLabel('x'.repeat(70)).length, 63);
  t.is(dnsLabel(`${'a'.repeat(62)}-b`), 'a'.repeat(62));
  fc.assert(
    fc.property(fc.string({ maxLength: 100 }), (s) => {
      const l = dnsLabel(s);
      t.true(/^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)?$/.test(l), l);
      t.is(dnsLabel(l), l, 'idempotent');
      t.is(dnsLabel(s.toUpperCase()), dnsLabel(s.toLowerCase()));
    }),
  );
});
