/**
 * One server of the dns-peers race, in a process of its own as dnsmasq is: sharing the bench's
 * event loop (or its process, with the latency client's thread and the garbage it makes) would
 * charge the bench's work to the server. Prints `{"port":N}` once listening; stops on SIGTERM.
 * Usage: node bench/dist/src/dns-peer-server.js trellis [--workers=N] | dgram-echo
 */
import { createSocket } from 'node:dgram';
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

/** The ceiling: every datagram straight back with QR set, no DNS work at all. */
async function serveEcho(): Promise<{ port: number; close: () => Promise<void> }> {
  const socket = createSocket('udp4');
  socket.on('message', (m: Buffer, from) => {
    m[2]! |= 0x80;
    socket.send(m, from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { port: socket.address().port, close: () => new Promise((resolve) => socket.close(resolve)) };
}

const impl = process.argv[2];
const workers = Number(process.argv.find((a) => a.startsWith('--workers='))?.split('=')[1] ?? 1);
const served = impl === 'dgram-echo' ? await serveEcho() : await serveTrellis(workers);
process.once('SIGTERM', () => void served.close().then(() => process.exit(0)));
// The bench dying must not leave this behind: its pipe closing is the signal.
process.stdin.once('end', () => void served.close().then(() => process.exit(0)));
process.stdin.resume();
process.stdout.write(`${JSON.stringify({ port: served.port })}\n`);
