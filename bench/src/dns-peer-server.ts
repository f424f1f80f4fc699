/**
 * One server of the dns-peers race, in a process of its own as dnsmasq is: sharing the bench's
 * event loop (or its process, with the latency client's thread and the garbage it makes) would
 * charge the bench's work to the server. Prints `{"port":N}` once listening; stops on SIGTERM.
 * Usage: node bench/dist/src/dns-peer-server.js trellis|dgram-echo [--workers=N]
 */
import { fork } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { DnsServer } from '@trellis/dns';
import { taskTable } from './dns-workload.js';

async function serveTrellis(workers: number): Promise<{ port: number; close: () => Promise<void> }> {
  // RRL off: one client at 100k queries/s is a flood to it, and dnsmasq has none.
  const server = new DnsServer(
    { host: '127.0.0.1', port: 0, rrlResponsesPerSecond: 0, workers },
    { entries: taskTable() },
  );
  const { port } = await server.start();
  return { port, close: () => server.close() };
}

/** Every datagram straight back with QR set: no DNS work at all. */
function echoOn(socket: Socket): void {
  socket.on('message', (m: Buffer, from) => {
    m[2]! |= 0x80;
    socket.send(m, from.port, from.address);
  });
}

/**
 * The ceiling: `readers` node processes echoing on one socket, shared the way trellis's workers
 * share theirs (this process reads, and the bound socket's handle goes to `readers - 1` children),
 * so `dgram-echo-wN` is the most N node readers get here.
 */
async function serveEcho(readers: number): Promise<{ port: number; close: () => Promise<void> }> {
  const socket = createSocket('udp4');
  echoOn(socket);
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const script = fileURLToPath(import.meta.url);
  const children = Array.from({ length: readers - 1 }, () =>
    fork(script, ['echo-reader'], { stdio: 'inherit' }),
  );
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve, reject) => {
          child.once('message', () => resolve());
          child.once('exit', (code) => reject(new Error(`echo reader exited (${code}) before reading`)));
          child.send('socket', socket);
        }),
    ),
  );
  const close = async (): Promise<void> => {
    for (const child of children) child.kill('SIGTERM');
    await new Promise<void>((resolve) => socket.close(resolve));
  };
  return { port: socket.address().port, close };
}

/** A child of serveEcho: echoes on the socket its parent sends; ends when the parent goes. */
function echoReader(): void {
  process.on('message', (_m, handle) => {
    echoOn(handle as Socket);
    process.send?.('reading');
  });
  process.once('disconnect', () => process.exit(0));
}

const impl = process.argv[2];
if (impl === 'echo-reader') echoReader();
else {
  const workers = Number(process.argv.find((a) => a.startsWith('--workers='))?.split('=')[1] ?? 1);
  const served = impl === 'dgram-echo' ? await serveEcho(workers) : await serveTrellis(workers);
  process.once('SIGTERM', () => void served.close().then(() => process.exit(0)));
  // The bench dying must not leave this behind: its pipe closing is the signal.
  process.stdin.once('end', () => void served.close().then(() => process.exit(0)));
  process.stdin.resume();
  process.stdout.write(`${JSON.stringify({ port: served.port })}\n`);
}
