/**
 * One join of N nodes with identity on, alone, for a CPU profile:
 * node --cpu-prof bench/dist/src/identity-profile.js [N] [off]
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
  const r = await runJoin(c, planFor(true));
  console.log(JSON.stringify(r.ms));
} finally {
  await c.close();
}
