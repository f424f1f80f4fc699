/**
 * What identity costs (issue 12), measured in one invocation:
 *
 * - `sign` / `verify`: µs per record signature made, checked cold, and checked again (cached: an
 *   anti-entropy round over an unchanged table pays this, not the cold price).
 * - `join`: N nodes on loopback UDP join node 0, identity off and on interleaved per size and
 *   repetition; ms from the last join call until every node lists N alive, and the bytes every
 *   node sent meanwhile (signatures and certificates ride in member, route and task records).
 *
 * Usage: node bench/dist/src/identity.js [--quick]. Lines go to bench/results/<date>.jsonl.
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { NodeIdentity, generateKeyPair, issueCertificate, type KeyPair } from '@trellis/node';
import { SignedBytes } from '@trellis/runtime';
import { appendResult } from './results.js';
import { Cluster } from './udp-cluster.js';
import { planFor } from './udp-plan.js';
import { runJoin } from './udp-scenarios.js';

const later = Date.UTC(2100, 0, 1);

/** A cluster CA that certifies every id it is asked for. */
export function testCa(): (id: string) => NodeIdentity {
  const ca = generateKeyPair();
  const keys = new Map<string, KeyPair>();
  return (id) => {
    const k = keys.get(id) ?? generateKeyPair();
    keys.set(id, k);
    const certificate = issueCertificate(ca.privateKey, id, k.publicKey, later);
    return new NodeIdentity(id, { privateKey: k.privateKey, certificate, trust: { cas: [ca.publicKey] } });
  };
}

/** A route record's signed bytes, as the route store feeds them (sizes as in a real record). */
function routePayload(i: number): Uint8Array {
  return new SignedBytes('trellis-record-v1:r')
    .string('dcos')
    .string(`agent-${i}`)
    .uint(1_764_000_000_000 + i)
    .uint(i)
    .uint(1)
    .uint(1_764_000_000_000)
    .uint(i % 4094)
    .string(`10.0.${i >> 8}.${i & 255}`)
    .string(`44.128.${i >> 8}.${i & 255}`)
    .string('70:b3:d5:80:00:01')
    .finish();
}

function signatureCost(count: number): Record<string, number> {
  const make = testCa();
  const a = make('a');
  const b = make('b');
  b.admit('a', a.certificate, Date.now());
  const payloads = Array.from({ length: count }, (_, i) => routePayload(i));
  let t0 = performance.now();
  const sigs = payloads.map((p) => a.sign(p));
  const signUs = ((performance.now() - t0) * 1000) / count;
  t0 = performance.now();
  let ok = 0;
  for (let i = 0; i < count; i++) if (b.verify('a', payloads[i]!, sigs[i])) ok++;
  const verifyUs = ((performance.now() - t0) * 1000) / count;
  t0 = performance.now();
  for (let i = 0; i < count; i++) if (b.verify('a', payloads[i]!, sigs[i])) ok++;
  const cachedUs = ((performance.now() - t0) * 1000) / count;
  if (ok !== 2 * count) throw new Error(`${2 * count - ok} signatures did not verify`);
  return { signUs: round(signUs), verifyUs: round(verifyUs), verifyCachedUs: round(cachedUs) };
}

interface JoinFigure {
  readonly ms: number | undefined;
  readonly bytesPerNode: number;
}

async function join(n: number, rep: number, identity: boolean): Promise<JoinFigure> {
  const plan = planFor(true);
  const c = new Cluster('lan', n, `id${identity ? 1 : 0}n${n}r${rep}`, identity ? testCa() : undefined);
  try {
    const result = await runJoin(c, plan);
    const bytes = c.peers.reduce((sum, p) => sum + p.transport.stats().bytesOut, 0);
    const ms = (result.ms as { converge?: number }).converge;
    return { ms, bytesPerNode: Math.round(bytes / n) };
  } finally {
    await c.close();
  }
}

export async function runIdentityBench(quick: boolean, say: (msg: string) => void): Promise<void> {
  const runId = new Date().toISOString();
  const cost = signatureCost(quick ? 2_000 : 10_000);
  appendResult({ impl: 'trellis', scenario: 'identity-signature', run: runId, ...cost });
  say(
    `signature: sign ${cost.signUs} µs, verify ${cost.verifyUs} µs, verify again (cached) ${cost.verifyCachedUs} µs`,
  );
  const sizes = quick ? [16, 64] : [16, 64, 128];
  const reps = quick ? 1 : 3;
  say('join     n   off ms   on ms   ratio   off B/node   on B/node');
  for (const n of sizes) {
    const off: JoinFigure[] = [];
    const on: JoinFigure[] = [];
    for (let rep = 1; rep <= reps; rep++) {
      for (const identity of rep % 2 === 1 ? [false, true] : [true, false]) {
        const f = await join(n, rep, identity);
        (identity ? on : off).push(f);
        appendResult({ impl: 'trellis', scenario: 'identity-join', run: runId, n, rep, identity, ...f });
      }
    }
    const mOff = median(off.map((f) => f.ms));
    const mOn = median(on.map((f) => f.ms));
    const ratio = mOff === undefined || mOn === undefined ? 'n/a' : (mOn / mOff).toFixed(2);
    say(
      `join ${String(n).padStart(5)} ${fmt(mOff)} ${fmt(mOn)} ${ratio.padStart(7)} ${String(median(off.map((f) => f.bytesPerNode))).padStart(12)} ${String(median(on.map((f) => f.bytesPerNode))).padStart(11)}`,
    );
  }
}

function median(xs: readonly (number | undefined)[]): number | undefined {
  const v = xs.filter((x): x is number => x !== undefined).sort((a, b) => a - b);
  return v.length === 0 ? undefined : v[Math.floor(v.length / 2)];
}

const fmt = (x: number | undefined) => (x === undefined ? 'timeout' : x.toFixed(0)).padStart(8);
const round = (x: number) => Number(x.toFixed(2));

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runIdentityBench(process.argv.includes('--quick'), (m) => console.log(m));
}
