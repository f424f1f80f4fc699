/**
 * One join of N nodes with identity on, alone, for a CPU profile and the join's counters:
 * node --cpu-prof bench/dist/src/identity-profile.js [N] [off]
 * Prints the join's time, the process's CPU time during it (less sensitive to the machine's load
 * than the time), and what the cluster sent: datagrams, streams, bytes, certificate misses.
 */
import { NodeIdentity, generateKeyPair, issueCertificate, type KeyPair } from '@trellis/node';
import { Cluster } from './udp-cluster.js';
import { planFor } from './udp-plan.js';
import { runJoin } from './udp-scenarios.js';

const n = Number(process.argv[2] ?? 128);
const identity = process.argv[3] !== 'off';
const ca = generateKeyPair();
const keys = new Map<string, KeyPair>();
const certify = (id: string): NodeIdentity => {
  const k = keys.get(id) ?? generateKeyPair();
  keys.set(id, k);
  const certificate = issueCertificate(ca.privateKey, id, k.publicKey, Date.UTC(2100, 0, 1));
  return new NodeIdentity(id, { privateKey: k.privateKey, certificate, trust: { cas: [ca.publicKey] } });
};
const c = new Cluster('lan', n, `prof${n}`, identity ? certify : undefined);
try {
  const cpu0 = process.cpuUsage();
  const r = await runJoin(c, planFor(true));
  const cpu = process.cpuUsage(cpu0);
  const sum = (f: (p: (typeof c.peers)[number]) => number): number => c.peers.reduce((s, p) => s + f(p), 0);
  const swim = (k: 'certificateMisses' | 'certificateQueries' | 'certificateAnswers' | 'pushPulls'): number =>
    sum((p) => p.node.core.swim.stats()[k]);
  const t = (k: 'packetsOut' | 'requestsOut' | 'bytesOut'): number => sum((p) => p.transport.stats()[k]);
  console.log(
    JSON.stringify({
      ...(r.ms as object),
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
      bytesPerNode: r.bytesPerNode,
      datagramsPerNode: Math.round(t('packetsOut') / n),
      streamsPerNode: Number((t('requestsOut') / n).toFixed(1)),
      pushPulls: swim('pushPulls'),
      certificateMisses: swim('certificateMisses'),
      certificateQueries: swim('certificateQueries'),
      certificateAnswers: swim('certificateAnswers'),
    }),
  );
} finally {
  await c.close();
}
