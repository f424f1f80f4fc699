import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { conflist, isOurConflist, conflistText } from '../src/cni/conflist.js';
import { launcherText } from '../src/cni/plugin-install.js';
import { egressScript } from '../src/egress/egress-rules.js';
import { parseAgentConfig } from '../src/config/agent-config.js';

const input = {
  overlay: 'dcos',
  mtu: 1450,
  socket: '/run/trellis/agent.sock',
  framework: 'cni',
  half: '9.0.3.0/25',
  dns: { nameservers: ['10.0.0.7'], search: ['dcos.thisdcos.directory'] },
};

test('the conflist: bridge on m-<overlay>, gateway, no ipMasq, VTEP MTU, hairpin, trellis IPAM on the socket', (t) => {
  t.deepEqual(conflist(input), {
    cniVersion: '1.0.0',
    name: 'dcos',
    plugins: [
      {
        type: 'bridge',
        bridge: 'm-dcos',
        isGateway: true,
        ipMasq: false,
        hairpinMode: true,
        mtu: 1450,
        dns: { nameservers: ['10.0.0.7'], search: ['dcos.thisdcos.directory'] },
        ipam: { type: 'trellis', socket: '/run/trellis/agent.sock', framework: 'cni', half: '9.0.3.0/25' },
      },
    ],
  });
  t.true(isOurConflist(conflistText(input), input.socket));
  t.false(isOurConflist(conflistText(input), '/other.sock'), "another agent's conflist is not ours");
  t.false(isOurConflist('{"plugins":[{"ipam":{"type":"host-local"}}]}', input.socket));
  t.false(isOurConflist('not json', input.socket));
});

test('the plugin launcher runs this node binary and requires the plugin bundle by absolute path', (t) => {
  const text = launcherText('/usr/bin/node', '/x/plugin.cjs');
  t.true(text.startsWith('#!/usr/bin/node\n'));
  t.true(text.includes('require("/x/plugin.cjs")'));
});

test('a launcher whose bundle is gone answers with a CNI error, not a stack trace', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-launcher-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const launcher = join(dir, 'trellis');
  writeFileSync(launcher, launcherText(process.execPath, join(dir, 'missing.cjs')), { mode: 0o755 });
  const r = spawnSync(launcher, [], { input: '{}', encoding: 'utf8' });
  t.is(r.status, 1);
  const out = JSON.parse(r.stdout) as { code: number; msg: string };
  t.is(out.code, 5);
  t.regex(out.msg, /^the trellis plugin cannot load: Cannot find module/);
});

test('egress: masquerade from each overlay to outside every overlay and VTEP subnet, in our own table', (t) => {
  const overlays = [
    { name: 'dcos', subnet: '9.0.0.0/8', vtepSubnet: '44.128.0.0/20' },
    { name: 'ov2', subnet: '10.77.0.0/16', vtepSubnet: '44.129.0.0/24' },
  ];
  t.is(
    egressScript(overlays, true),
    [
      'table ip trellis {}',
      'delete table ip trellis',
      'table ip trellis {',
      '  set overlays {',
      '    type ipv4_addr',
      '    flags interval',
      '    elements = { 10.77.0.0/16, 44.128.0.0/20, 44.129.0.0/24, 9.0.0.0/8 }',
      '  }',
      '  chain egress {',
      '    type nat hook postrouting priority srcnat; policy accept;',
      '    ip saddr 9.0.0.0/8 ip daddr != @overlays masquerade comment "egress of overlay dcos"',
      '    ip saddr 10.77.0.0/16 ip daddr != @overlays masquerade comment "egress of overlay ov2"',
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  t.is(
    egressScript(overlays, false),
    'table ip trellis {}\ndelete table ip trellis\n',
    'off: only our table goes',
  );
});

test('config: cni, egress and stateDir defaults, and every problem at once', (t) => {
  const base = {
    nodeId: 'a',
    plaintext: true,
    identity: 'none',
    underlay: { ip: '10.0.0.1' },
    overlays: [{ name: 'dcos', subnet: '9.0.0.0/8' }],
  };
  const c = parseAgentConfig({ ...base, cni: {} });
  t.deepEqual(c.cni, { binDir: '/opt/cni/bin', confDir: '/etc/cni/net.d', framework: 'cni' });
  t.deepEqual(c.egress, { masquerade: true });
  t.is(c.stateDir, '/var/lib/trellis');
  t.is(parseAgentConfig(base).cni, undefined, 'no cni section: CNI off');
  const error = t.throws(() =>
    parseAgentConfig({
      ...base,
      bridges: false,
      stateDir: 'relative',
      cni: { binDir: 7, confDir: '/etc/cni/net.d', framework: '...', extra: 1 },
      egress: { masquerade: 'yes', nat: true },
    }),
  );
  for (const path of [
    'stateDir',
    'cni.binDir',
    'cni.framework',
    'cni.extra',
    'cni',
    'egress.masquerade',
    'egress.nat',
  ])
    t.true(error?.message.includes(`  - ${path}: `), path);
});
