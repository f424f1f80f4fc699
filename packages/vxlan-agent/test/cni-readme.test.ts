import test from 'ava';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { conflist } from '../src/cni/conflist.js';
import { addResult } from '../src/cni-plugin/cni-result.js';
import { defaultCniConfig } from '../src/config/container-settings.js';

const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');

test('the README conflist is what the agent writes for dcos with the default DNS', (t) => {
  const block = /<!-- checked: test\/cni-readme\.test\.ts -->\s*```json\n([\s\S]*?)```/.exec(readme)?.[1];
  t.truthy(block);
  const written = conflist({
    overlay: 'dcos',
    mtu: 1450,
    socket: '/run/trellis/agent.sock',
    framework: 'cni',
    half: '9.0.3.0/25',
    dns: { nameservers: ['10.0.0.17'], search: ['dcos.thisdcos.directory'] },
  });
  t.deepEqual(JSON.parse(block!), written);
});

test('the README config table lists every cni setting there is, and egress.masquerade', (t) => {
  const cni = [...readme.matchAll(/^\| `cni\.([A-Za-z]+)` \|/gm)].map((m) => m[1]).sort();
  t.deepEqual(cni, Object.keys(defaultCniConfig).sort());
  t.regex(readme, /^\| `egress\.masquerade` \|.*\| `true` \|$/m);
  t.regex(readme, /^\| `stateDir` \|.*\| `\/var\/lib\/trellis` \|$/m);
});

test('the README dual-stack ADD result is what the plugin prints for such an allocation', (t) => {
  const blocks = [
    ...readme.matchAll(/<!-- checked: test\/cni-readme\.test\.ts -->\s*```json\n([\s\S]*?)```/g),
  ];
  const block = blocks.map((m) => m[1]!).find((b) => b.includes('"ips"'));
  t.truthy(block);
  const printed = addResult('1.0.0', {
    ipv4: '9.0.3.2',
    prefixLength: 25,
    gateway: '9.0.3.1',
    ipv6: 'fd01:b::300:0:0:2',
    prefixLength6: 81,
    gateway6: 'fd01:b::300:0:0:1',
    dns: { nameservers: ['10.0.0.17'], search: ['dcos.thisdcos.directory'] },
  });
  t.deepEqual(JSON.parse(block!), printed);
});
