/** The processes of the dns-peers race: dnsmasq, and trellis or dgram-echo through dns-peer-server.ts. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import { ZONE } from './dns-workload.js';

export interface PeerProcess {
  readonly port: number;
  /** SIGTERM, then waits for the exit (SIGKILL after 5 s). */
  stop(): Promise<void>;
}

export function missingTools(): string[] {
  const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
  return ['dnsperf', 'dnsmasq'].filter((c) => !has(c) && !has(`/usr/sbin/${c}`));
}

export async function freePort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  const { port } = s.address();
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

export async function startDnsmasq(dir: string, port: number): Promise<PeerProcess> {
  const child = spawn(
    'dnsmasq',
    [
      '--keep-in-foreground',
      '--conf-file=/dev/null',
      `--port=${port}`,
      '--listen-address=127.0.0.1',
      '--bind-interfaces',
      '--no-resolv',
      '--no-hosts',
      `--addn-hosts=${join(dir, 'hosts')}`,
      `--local=/${ZONE}/`,
      '--pid-file=',
      '--user=root',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise((r) => setTimeout(r, 500));
  if (child.exitCode !== null) throw new Error(`dnsmasq exited: ${stderr}`);
  return { port, stop: () => stop(child) };
}

/** trellis (with `workers` UDP receivers) or dgram-echo, each in its own node process. */
export async function startPeerServer(impl: 'trellis' | 'dgram-echo', workers = 1): Promise<PeerProcess> {
  const script = new URL('./dns-peer-server.js', import.meta.url).pathname;
  const child = spawn(process.execPath, [script, impl, `--workers=${workers}`], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n')) resolve((JSON.parse(line!) as { port: number }).port);
    });
    child.once('exit', (code) => reject(new Error(`${impl} server exited (${code}) before listening`)));
  });
  return { port, stop: () => stop(child) };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(killer);
}
