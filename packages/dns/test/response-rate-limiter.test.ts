import test from 'ava';
import {
  type RateDecision,
  type RateLimitSettings,
  ResponseRateLimiter,
} from '../src/response-rate-limiter.js';

const secret = new Uint8Array(16).fill(7);
const settings: RateLimitSettings = { responsesPerSecond: 20, windowSeconds: 15, slip: 2, tableSize: 1024 };

/** `count` responses to `key`, evenly spread from `start` at `perSecond`; the decisions in order. */
function run(
  rrl: ResponseRateLimiter,
  key: string,
  start: number,
  perSecond: number,
  count: number,
): RateDecision[] {
  return Array.from({ length: count }, (_, i) => rrl.check(start + (i * 1000) / perSecond, key));
}

const tally = (ds: RateDecision[]) => ({
  send: ds.filter((d) => d === 'send').length,
  slip: ds.filter((d) => d === 'slip').length,
  drop: ds.filter((d) => d === 'drop').length,
});

test('a client under the rate is never limited, however long it goes on', (t) => {
  const rrl = new ResponseRateLimiter(settings, secret);
  t.deepEqual(tally(run(rrl, 'a', 0, 19, 19 * 600)), { send: 19 * 600, slip: 0, drop: 0 });
});

test('one second of burst, then every other limited response slips, the first one first', (t) => {
  const rrl = new ResponseRateLimiter(settings, secret);
  // 100 at once: a fresh account holds 20 credits.
  const burst = run(rrl, 'a', 1000, 1e9, 100);
  t.deepEqual(burst.slice(0, 20), Array<RateDecision>(20).fill('send'));
  t.deepEqual(burst.slice(20, 26), ['slip', 'drop', 'slip', 'drop', 'slip', 'drop']);
  t.deepEqual(tally(burst), { send: 20, slip: 40, drop: 40 });
  // Another key is not affected.
  t.is(rrl.check(1000, 'b'), 'send');
});

test('a flood pays back its debt: up to `window` seconds of silence before it is answered again', (t) => {
  const rrl = new ResponseRateLimiter(settings, secret);
  // 1000/s for 10 s: the debt reaches its floor, 15 s x 20 = 300 credits.
  const flood = tally(run(rrl, 'a', 0, 1000, 10_000));
  t.true(flood.send < 20 + 10 * 20 && flood.send >= 20, `sent ${flood.send}`);
  const end = 10_000;
  t.not(rrl.check(end + 14_000, 'a'), 'send', 'still in debt after 14 s');
  t.is(rrl.check(end + 14_000 + 16_000, 'a'), 'send', 'paid back after 15 s more');
});

test('a key kept over the rate gets no full answer at all, only slips (BIND: its debt never clears)', (t) => {
  const rrl = new ResponseRateLimiter(settings, secret);
  const ds = run(rrl, 'a', 0, 25, 25 * 120);
  t.deepEqual(tally(ds.slice(25 * 60)), { send: 0, slip: 25 * 30, drop: 25 * 30 });
});

test('slip 0 drops every limited response, slip 1 truncates every one, slip 3 one in three', (t) => {
  for (const [slip, want] of [
    [0, { send: 20, slip: 0, drop: 60 }],
    [1, { send: 20, slip: 60, drop: 0 }],
    [3, { send: 20, slip: 20, drop: 40 }],
  ] as const)
    t.deepEqual(tally(run(new ResponseRateLimiter({ ...settings, slip }, secret), 'a', 0, 1e9, 80)), want);
});

test('no eviction: 200,000 other keys do not give a limited key a fresh account', (t) => {
  const rrl = new ResponseRateLimiter({ ...settings, tableSize: 1024 }, secret);
  run(rrl, 'flood', 0, 1e6, 500); // 480 over: deep in debt
  // A spoofed spray: each key once, far more keys than buckets, all within the same millisecond.
  for (let i = 0; i < 200_000; i++) rrl.check(1, `spray-${i}`);
  t.not(rrl.check(2, 'flood'), 'send');
});

test('an innocent key is limited only if both its buckets are in debt: rare, even with the table full', (t) => {
  const tableSize = 1024;
  const rrl = new ResponseRateLimiter({ ...settings, tableSize }, secret);
  // 100 flooding keys at 200/s each keep at most 100 of 1024 buckets per row in debt.
  const floods = Array.from({ length: 100 }, (_, i) => `flood-${i}`);
  const innocents = Array.from({ length: 1000 }, (_, i) => `innocent-${i}`);
  const limited = new Set<string>();
  for (let ms = 0; ms < 5000; ms += 5) {
    for (const key of floods) rrl.check(ms, key);
    // Each innocent key asks once a second.
    for (let k = (ms / 5) % 200; k < innocents.length; k += 200)
      if (rrl.check(ms, innocents[k]!) !== 'send') limited.add(innocents[k]!);
  }
  t.log(`${limited.size} of ${innocents.length} innocent keys limited at least once`);
  // Expected (100/1024)^2, about 1%; a single row would be about 10%.
  t.true(limited.size <= 40, `${limited.size} limited`);
  t.true(floods.every((key) => rrl.check(5000, key) !== 'send'));
});

test('settings it cannot work with are refused', (t) => {
  t.throws(() => new ResponseRateLimiter({ ...settings, responsesPerSecond: 0 }, secret), {
    instanceOf: RangeError,
  });
  t.throws(() => new ResponseRateLimiter(settings, new Uint8Array(4)), { instanceOf: RangeError });
});
