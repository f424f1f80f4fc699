import test from 'ava';
import { Rng } from '@trellis/runtime';
import { Swim, swimProfiles, type PingMessage, type Transmit } from '../src/index.js';

function lone(): Swim {
  return new Swim({ id: 'a', addr: 'a:1', now: 0, rng: Rng.fromSeed(7) });
}

function drain(core: Swim): Transmit[] {
  const out: Transmit[] = [];
  for (let t = core.pollTransmit(); t !== undefined; t = core.pollTransmit()) out.push(t);
  return out;
}

const ping = (i: number): PingMessage => ({ t: 'ping', seq: i, id: 'a', src: `ghost${i}` });

test('pings from 4,000 addresses that never answer open no connection back to any of them', (t) => {
  const a = lone();
  let requests = 0;
  let datagrams = 0;
  // 10 pings from each of 4,000 spoofed sources over 20 virtual seconds.
  for (let round = 0; round < 10; round++) {
    for (let i = 0; i < 4000; i++) a.handleMessage(round * 2000 + i / 4, `ghost${i}:1`, ping(i));
    for (const tr of drain(a)) {
      if (tr.to.startsWith('ghost') && tr.kind === 'request') requests++;
      if (tr.to.startsWith('ghost') && tr.kind === 'datagram') datagrams++;
    }
  }
  const s = a.stats();
  t.log(`requests ${requests}, datagrams ${datagrams} (40,000 acks + challenges ${s.learnChallenges})`);
  t.is(requests, 0);
  t.is(s.learnSyncs, 0);
  // Besides one ack per ping, challenges are bounded by their bucket: burst plus refill.
  const { learnSyncBurst, learnSyncRefillMs } = swimProfiles.lan;
  t.true(s.learnChallenges <= learnSyncBurst * 4 + Math.ceil((20_000 * 4) / learnSyncRefillMs));
});

test('an unknown pinger that acks our challenge is synced with, within a bucket that never resets', (t) => {
  const a = lone();
  const synced = new Set<string>();
  const { learnSyncBurst, learnSyncRefillMs } = swimProfiles.lan;
  const durationMs = 20_000;
  let now = 0;
  // 200 distinct pingers that answer, five a second, each pinging once per second.
  for (; now < durationMs; now += 200) {
    const i = now / 200;
    for (let j = Math.max(0, i - 5); j <= i; j++)
      a.handleMessage(now, `p${j}:1`, { ...ping(j), src: `p${j}` });
    for (const tr of drain(a)) {
      if (tr.kind === 'request') synced.add(tr.to);
      if (tr.kind !== 'datagram') continue;
      for (const m of tr.msgs as { t: string; seq: number; id: string }[]) {
        // Answer our challenge: an ack from the address we pinged, with the id we named.
        if (m.t === 'ping') a.handleMessage(now + 1, tr.to, { t: 'ack', seq: m.seq, src: m.id });
      }
    }
  }
  for (const tr of drain(a)) if (tr.kind === 'request') synced.add(tr.to);
  t.log(`synced with ${synced.size} of 100 answering pingers in ${durationMs} ms`);
  t.true(synced.has('p0:1'), 'the first one that answered');
  t.true(synced.size >= learnSyncBurst);
  t.true(synced.size <= learnSyncBurst + Math.ceil(durationMs / learnSyncRefillMs));
});
