/**
 * A raw dgram DNS client for a worker thread (so that it does not share the server's event loop):
 * keeps `window` queries in flight until `queries` have been answered or lost, and records each
 * latency. The same client measures every server a benchmark races.
 */
import { createSocket } from 'node:dgram';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import * as dnsPacket from 'dns-packet';
import type { QueryName } from './dns-workload.js';

/** A reply not back within this is counted lost, and its slot in the window reused. */
const LOST_AFTER_MS = 1000;

export interface ClientJob {
  readonly port: number;
  readonly queries: number;
  readonly window: number;
  readonly names: readonly QueryName[];
}

export interface ClientResult {
  readonly latenciesMs: Float64Array<ArrayBuffer>;
  readonly completed: number;
  readonly lost: number;
  readonly elapsedMs: number;
  readonly rcodes: Record<string, number>;
  readonly truncated: number;
}

/** Runs `job` in a worker thread. */
export function runClient(job: ClientJob): Promise<ClientResult> {
  return new Promise<ClientResult>((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: job });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

export function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** The worker: keeps `window` queries in flight until `queries` have been answered or lost. */
async function client(job: ClientJob): Promise<ClientResult> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const latenciesMs = new Float64Array(job.queries);
  const sentAt = new Map<number, number>();
  const rcodes: Record<string, number> = {};
  let sent = 0;
  let completed = 0;
  let lost = 0;
  let truncated = 0;
  const start = performance.now();
  return new Promise((resolve) => {
    const send = (): void => {
      if (sent >= job.queries) return;
      const id = sent & 0xffff;
      const q = job.names[sent % job.names.length]!;
      sent++;
      sentAt.set(id, performance.now());
      socket.send(
        dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [q] }),
        job.port,
        '127.0.0.1',
      );
    };
    const finishIfDone = (): void => {
      if (completed + lost < job.queries) return;
      clearInterval(sweeper);
      socket.close();
      resolve({ latenciesMs, completed, lost, elapsedMs: performance.now() - start, rcodes, truncated });
    };
    socket.on('message', (message: Buffer) => {
      const reply = dnsPacket.decode(message) as dnsPacket.DecodedPacket & { rcode: string };
      const at = sentAt.get(reply.id ?? -1);
      if (at === undefined) return; // a late reply to a query already counted lost
      sentAt.delete(reply.id!);
      latenciesMs[completed++] = performance.now() - at;
      rcodes[reply.rcode] = (rcodes[reply.rcode] ?? 0) + 1;
      if (reply.flag_tc) truncated++;
      send();
      finishIfDone();
    });
    const sweeper = setInterval(() => {
      const now = performance.now();
      for (const [id, at] of sentAt)
        if (now - at > LOST_AFTER_MS) {
          sentAt.delete(id);
          lost++;
          send();
        }
      finishIfDone();
    }, 100);
    for (let i = 0; i < job.window; i++) send();
  });
}

if (!isMainThread && (workerData as { port?: unknown } | undefined)?.port !== undefined) {
  const result = await client(workerData as ClientJob);
  parentPort!.postMessage(result, [result.latenciesMs.buffer]);
}
