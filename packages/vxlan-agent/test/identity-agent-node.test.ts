import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  certificateToJson,
  generateKeyPair,
  issueCertificate,
  privateKeyToPem,
  type KeyPair,
} from '@trellis/node';
import { ConfigError, memoryLogger } from '@trellis/runtime';
import { createAgentNode, type AgentNode } from '../src/agent-node.js';
import { loadAgentConfig, type LoadedAgentConfig } from '../src/config/load-config.js';

/** The agent's gossip node is given the identity its config loaded. */
const dir = mkdtempSync(join(tmpdir(), 'trellis-id-node-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

const ca = generateKeyPair();
const caFile = join(dir, 'ca.pub');
writeFileSync(caFile, `${Buffer.from(ca.publicKey).toString('base64')}\n`);

/**
 * An agent config with an identity for `id`, loaded as the daemon loads it: certified by the
 * cluster CA, or by `signer`, the CA of another cluster, which that agent then trusts.
 */
async function loaded(
  id: string,
  seeds: readonly string[] = [],
  signer: KeyPair = ca,
): Promise<LoadedAgentConfig> {
  const node: KeyPair = generateKeyPair();
  const keyFile = join(dir, `${id}.key`);
  writeFileSync(keyFile, privateKeyToPem(node.privateKey), { mode: 0o600 });
  const certificateFile = join(dir, `${id}.cert.json`);
  const cert = issueCertificate(signer.privateKey, id, node.publicKey, Date.now() + 86_400_000);
  writeFileSync(certificateFile, JSON.stringify(certificateToJson(cert)));
  const trusted = signer === ca ? caFile : join(dir, `${id}-ca.pub`);
  writeFileSync(trusted, `${Buffer.from(signer.publicKey).toString('base64')}\n`);
  const file = join(dir, `${id}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      nodeId: id,
      bind: '127.0.0.1:7946',
      plaintext: true,
      profile: 'local',
      identity: { keyFile, certificateFile, caFiles: [trusted] },
      underlay: { ip: '127.0.0.1' },
      overlays: [{ name: 'dcos', subnet: '9.0.0.0/8' }],
    }),
  );
  const l = await loadAgentConfig(file);
  // Port 0 (any free one) is not a valid config, but it is what a test on a shared host needs.
  return { ...l, config: { ...l.config, bind: '127.0.0.1:0', seeds } };
}

async function start(
  t: { teardown(f: () => Promise<void>): void },
  l: LoadedAgentConfig,
): Promise<AgentNode> {
  const node = await createAgentNode(l, memoryLogger([]));
  t.teardown(() => node.close());
  return node;
}

test('createAgentNode builds the node with the loaded identity: one the node cannot use fails before the bind', async (t) => {
  const a = await loaded('id-a');
  const b = await loaded('id-b');
  // a's config with b's identity: --check catches it; createNode must too, whoever built `loaded`.
  const swapped: LoadedAgentConfig = { ...a, identity: b.identity };
  let error: unknown;
  try {
    // Without the identity the node would start: close it so that the failure is all that is left.
    await (await createAgentNode(swapped, memoryLogger([]))).close();
  } catch (e) {
    error = e;
  }
  t.true(error instanceof ConfigError, String(error));
  const problems = error instanceof ConfigError ? error.problems : [];
  t.true(
    problems.some((p) => p.path === 'identity' && /certificate is for "id-b"/.test(p.message)),
    JSON.stringify(problems),
  );
});

test('two agents with CA-signed identities start and see each other alive', async (t) => {
  const a = await start(t, await loaded('pair-a'));
  const b = await start(t, await loaded('pair-b', [a.address]));
  await b.joined();
  const deadline = Date.now() + 20_000;
  const alive = (n: AgentNode, id: string) => n.members().some((m) => m.id === id && m.status === 'alive');
  while (!(alive(a, 'pair-b') && alive(b, 'pair-a')) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  t.true(alive(a, 'pair-b') && alive(b, 'pair-a'));
});

test('two agents with identities admit each other; one certified by another CA is never admitted', async (t) => {
  const a = await start(t, await loaded('adm-a'));
  const b = await start(t, await loaded('adm-b', [a.address]));
  const c = await start(t, await loaded('adm-c', [a.address], generateKeyPair()));
  for (const [node, k] of [
    [b, 1],
    [c, 2],
  ] as const)
    node.stores.tasks.publish({
      id: `web-${k}`,
      name: 'web',
      framework: 'demo',
      agentIp: '127.0.0.1',
      // No overlay address: these agents publish no route, and a task's overlay addresses are
      // only visible inside its agent's settled slice.
      networks: [],
    });
  const tasksAtA = () => a.stores.tasks.list().map((x) => x.id);
  const deadline = Date.now() + 20_000;
  while (!tasksAtA().includes('web-1') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  t.true(tasksAtA().includes('web-1'), "b's signed task reached a");
  // c has had as long as b, and more: it must still be a stranger to a.
  await new Promise((r) => setTimeout(r, 2000));
  t.false(tasksAtA().includes('web-2'), "c's task is refused");
  t.false(
    a.members().some((m) => m.id === 'adm-c' && m.status === 'alive'),
    'c is not an alive member at a',
  );
});
