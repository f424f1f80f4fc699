import test from 'ava';
import { Rng } from '@trellis/runtime';
import { Swim, type SwimEvent } from '../src/index.js';
import { ConflictReports } from '../src/conflict-reports.js';

const record = (a: string, s: number, i = 0) => ({ t: 'm', id: 'a', a, i, s, md: new Uint8Array(0) });

function conflicts(core: Swim): SwimEvent[] {
  const out: SwimEvent[] = [];
  for (let e = core.pollEvent(); e !== undefined; e = core.pollEvent())
    if (e.type === 'memberConflict') out.push(e);
  return out;
}

test('a live record about our id at another address is reported as memberConflict', (t) => {
  const a = new Swim({ id: 'a', addr: 'a:1', now: 0, rng: Rng.fromSeed(1) });
  a.handleMessage(10, 'b:1', record('imposter:7', 0, 5));
  t.deepEqual(conflicts(a), [
    { type: 'memberConflict', id: 'a', ours: 'a:1', theirs: 'imposter:7', from: 'b:1' },
  ]);
  t.is(a.stats().conflicts, 1);
  // Refutation goes on as before: we outbid the imposter's incarnation.
  t.is(a.table.self().incarnation, 6);
  t.is(a.table.self().addr, 'a:1');
  // Suspect records count too, at any incarnation; dead and left ones, and our own address, do not.
  a.handleMessage(20, 'c:1', record('other:9', 1, 0));
  a.handleMessage(30, 'c:1', record('third:9', 2, 99));
  a.handleMessage(40, 'c:1', record('fourth:9', 3, 99));
  a.handleMessage(50, 'c:1', record('a:1', 1, 200));
  t.deepEqual(
    conflicts(a).map((e) => (e.type === 'memberConflict' ? e.theirs : '')),
    ['other:9'],
  );
  t.is(a.stats().conflicts, 2);
});

test('memberConflict: at most once per address per minute, with bounded memory', (t) => {
  const a = new Swim({ id: 'a', addr: 'a:1', now: 0, rng: Rng.fromSeed(1) });
  for (let ms = 0; ms < 59_000; ms += 1000) a.handleMessage(ms, 'b:1', record('imposter:7', 0));
  t.is(conflicts(a).length, 1, 'one report in the first minute');
  t.is(a.stats().conflicts, 59, 'every record counted');
  a.handleMessage(60_000, 'b:1', record('imposter:7', 0));
  t.is(conflicts(a).length, 1, 'reported again once the minute is up');
  // Made-up addresses each get one report; memory holds the 64 most recent.
  for (let i = 0; i < 200; i++) a.handleMessage(61_000, 'b:1', record(`fake${i}:1`, 0));
  t.is(conflicts(a).length, 200);
  a.handleMessage(62_000, 'b:1', record('fake199:1', 0));
  t.is(conflicts(a).length, 0, 'a recent one is still remembered');
  a.handleMessage(62_000, 'b:1', record('imposter:7', 0));
  t.is(conflicts(a).length, 1, 'an evicted one may be reported again early');
});

test('the conflict rate limit remembers at most 64 addresses', (t) => {
  const reports = new ConflictReports();
  for (let i = 0; i < 1000; i++) t.true(reports.report(i, `x${i}:1`));
  t.is(reports.size, 64);
  t.false(reports.report(1000, 'x999:1'));
  t.true(reports.report(1000, 'x0:1'), 'forgotten long ago');
});
