import test from 'ava';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startAgentProcess } from './fixtures/agent-process.js';
import { isRoot } from './fixtures/netns.js';
import { runBin } from './fixtures/run-bin.js';

/** `trellis-agent status` and the start's runtime failures, against the real daemon in a namespace. */
const rootTest = isRoot ? test.serial : test.skip;
if (!isRoot) console.log('agent-status: skipped: it needs root to create network namespaces');

rootTest('status shows members, routes, tasks and kernel sync over the socket', async (t) => {
  t.timeout(60_000);
  const agent = await startAgentProcess(t);
  // The reconciler's first pass and the slice settling take a moment.
  let text = '';
  for (const since = Date.now(); Date.now() - since < 20_000; await new Promise((r) => setTimeout(r, 300))) {
    const r = await runBin(['status', '--socket', agent.socketPath]);
    t.is(r.code, 0, r.stderr);
    text = r.stdout;
    if (/kernel +in sync/.test(text) && /\(settled\)/.test(text)) break;
  }
  t.log(text);
  t.regex(text, /^agent +solo at 127\.0\.0\.1:7946$/m);
  t.regex(text, /^members +1 alive, 0 suspect, 0 dead, 0 left$/m);
  t.regex(text, /^ +solo +127\.0\.0\.1:7946 +alive$/m);
  t.regex(text, /^ +dcos: 0 remote routes; own slice 9\.\d+\.\d+\.0\/24 \(settled\)$/m);
  t.regex(text, /^kernel +in sync \(last pass \d+ s ago\); \d+ objects owned, \d+ passes, 0 errors$/m);
  const json = await runBin(['status', '--json', '--config', agent.configFile]);
  t.is(json.code, 0, json.stderr);
  const parsed = JSON.parse(json.stdout) as {
    status: { node: string; kernel: { inSync: boolean } };
    members: unknown[];
  };
  t.like(parsed.status, { node: 'solo', kernel: { inSync: true } });
  t.is(parsed.members.length, 1);
  const denied = await runBin(['status', '--socket', agent.socketPath], { uid: 65534, gid: 65534 });
  t.is(denied.code, 3, denied.stderr);
  t.regex(
    denied.stderr,
    /permission denied on .*agent\.sock: run as root or as a member of the socket's group/,
  );
});

rootTest('a start that fails at run time (a port taken) exits 1 with the reason, not a stack', async (t) => {
  const agent = await startAgentProcess(t);
  // Same gossip port in the same namespace, another socket: the bind fails.
  const second = join(agent.dir, 'second.json');
  writeFileSync(
    second,
    JSON.stringify({
      nodeId: 'second',
      bind: '127.0.0.1:7946',
      plaintext: true,
      identity: 'none',
      underlay: { ip: '127.0.0.1' },
      overlays: [{ name: 'dcos', subnet: '9.0.0.0/8' }],
      http: { socket: join(agent.dir, 'second.sock'), listen: '127.0.0.1:8125' },
    }),
  );
  const r = await runBin(['--config', second], {}, 30_000, [
    'ip',
    'netns',
    'exec',
    agent.ns,
    process.execPath,
  ]);
  t.is(r.code, 1, r.stderr);
  t.regex(r.stderr, /trellis-agent: cannot start: .*127\.0\.0\.1:7946.*EADDRINUSE/);
  t.notRegex(r.stderr, /\n\s+at /);
  // The same socket path as the running agent: refused, and the running agent keeps its socket.
  const clash = join(agent.dir, 'clash.json');
  writeFileSync(
    clash,
    JSON.stringify({
      nodeId: 'clash',
      bind: '127.0.0.1:7947',
      plaintext: true,
      identity: 'none',
      underlay: { ip: '127.0.0.1' },
      overlays: [{ name: 'dcos', subnet: '9.0.0.0/8' }],
      http: { socket: agent.socketPath, listen: '127.0.0.1:8126' },
    }),
  );
  const c = await runBin(['--config', clash], {}, 30_000, [
    'ip',
    'netns',
    'exec',
    agent.ns,
    process.execPath,
  ]);
  t.is(c.code, 1, c.stderr);
  t.regex(c.stderr, /is served by a running process/);
  t.is((await runBin(['status', '--socket', agent.socketPath])).code, 0, 'the first agent still answers');
});
