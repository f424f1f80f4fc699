/**
 * One gossip node in its own process. Started by the demo's parent with `fork()`: it publishes
 * one task and serves DNS from its task view, reports its bound addresses, every member event
 * and a periodic snapshot of its member table over IPC, and exits when the parent goes away (so
 * a killed parent never leaves orphans behind).
 */
import { DnsServer } from '@trellis/dns';
import { readFileSync } from 'node:fs';
import { certificateFromJson, createNode, privateKeyFromPem, type IdentityOptions } from '@trellis/node';
import { taskStore } from '@trellis/tasks';
import {
  parseWorkerConfig,
  type MemberView,
  type WorkerIdentity,
  type WorkerMessage,
} from './worker-message.js';

function send(message: WorkerMessage): void {
  if (process.connected) process.send?.(message);
}

/** The options createNode takes, from the files and parts the parent made for this run. */
function identityOptions(w: WorkerIdentity): IdentityOptions {
  const certificate = certificateFromJson(w.certificate);
  if (certificate === undefined) throw new TypeError('worker: the certificate from the parent is not one');
  return {
    privateKey: privateKeyFromPem(readFileSync(w.keyFile, 'utf8')),
    certificate,
    trust: { cas: [new Uint8Array(Buffer.from(w.ca, 'base64'))] },
  };
}

function view(m: { id: string; status: MemberView['status']; incarnation: number }): MemberView {
  return { id: m.id, status: m.status, incarnation: m.incarnation };
}

async function main(): Promise<void> {
  if (process.send === undefined) {
    console.error('worker.js is started by main.js (it talks to its parent over IPC)');
    process.exit(2);
  }
  const config = parseWorkerConfig(process.argv[2]);
  const node = await createNode({
    id: config.id,
    bind: '127.0.0.1:0',
    seeds: config.seeds,
    profile: 'local',
    keyring: null,
    identity: config.identity === null ? null : identityOptions(config.identity),
    label: 'trellis-local-cluster-demo',
    // Unix ms, passed explicitly so a restart supersedes the tombstone of the previous life.
    incarnation: config.incarnation,
    stores: { tasks: taskStore({ graceMs: 2000 }) },
  });
  // Every node runs one task, "web" of framework "demo", with an overlay address of its own
  // (only DNS answers it: the demo programs no VXLAN), and answers DNS for every node's tasks.
  const dns = new DnsServer({ host: '127.0.0.1', port: 0, ttlSeconds: 1 });
  node.stores.tasks.on('changed', () => dns.update(node.stores.tasks.list()));
  const { port: dnsPort } = await dns.start();
  const k = Number(/\d+$/.exec(config.id)?.[0] ?? '0');
  node.stores.tasks.publish({
    id: `web-${config.id}`,
    name: 'web',
    framework: 'demo',
    agentIp: '127.0.0.1',
    networks: [{ name: 'dcos', ipv4: `9.0.${k}.2` }],
  });
  node.on('member', (e) => send({ type: 'member', event: e.type, member: view(e.member) }));
  send({ type: 'ready', id: node.id, addr: node.address, incarnation: config.incarnation, dnsPort });
  const snapshot = (): void => send({ type: 'snapshot', members: node.members().map(view) });
  snapshot();
  const timer = setInterval(snapshot, config.snapshotIntervalMs);
  // Ctrl-C reaches the whole process group: let the parent decide when nodes stop.
  process.on('SIGINT', () => undefined);
  process.on('disconnect', () => {
    clearInterval(timer);
    void Promise.all([dns.close(), node.close()]).finally(() => process.exit(0));
  });
}

main().catch((err: unknown) => {
  console.error('worker failed:', err);
  process.exit(1);
});
