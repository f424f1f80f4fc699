import test from 'ava';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAgentConfig } from '../src/config/agent-config.js';
import { defaultHttpConfig } from '../src/config/http-config.js';

const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');

test('the README example config is a valid config', (t) => {
  const block = /## trellis-agent[\s\S]*?```json\n([\s\S]*?)```/.exec(readme)?.[1];
  t.truthy(block);
  const c = parseAgentConfig(JSON.parse(block!));
  t.like(c.http, { socket: '/run/trellis/agent.sock', listen: '127.0.0.1:8124', socketGroup: 'trellis' });
  t.is(c.dns?.host, undefined, 'DNS on the underlay IP');
  // DC/OS's defaults: dcos, and dcos6 IPv6-only.
  t.like(c.overlays[0], { name: 'dcos', subnet: '9.0.0.0/8', prefixLength: 24, vtepSubnet: '44.128.0.0/20' });
  t.like(c.overlays[1], {
    name: 'dcos6',
    subnet6: 'fd01:b::/64',
    prefixLength6: 80,
    vtepSubnet6: 'fd01:a::/64',
    vni: 1025,
  });
  t.is(c.overlays[1]?.vtepIp6(0), 'fd01:a::1');
  t.is(c.overlays[1]?.recordVtepIp(0), 'fd01:a::1');
  t.false('subnet' in c.overlays[1]!, 'IPv6-only, as in DC/OS');
});

test('the README config table lists every http setting there is, and no other', (t) => {
  const rows = [
    ...readme.matchAll(/^\| `http\.([A-Za-z]+)`(?: \/ `([A-Za-z]+)`)?(?: \/ `([A-Za-z]+)`)? \|/gm),
  ];
  const documented = rows
    .flatMap((m) => [m[1], m[2], m[3]].filter((x): x is string => x !== undefined))
    .sort();
  t.deepEqual(documented, Object.keys(defaultHttpConfig).sort());
});
