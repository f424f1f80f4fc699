/**
 * A bounded UDP flood, run in a worker thread so that it does not share the server's event loop:
 * `queries` round-robin from sockets bound to `sources`, `perTick` every `tickMs`, until `countMax`
 * are sent or `durationMs` has passed. Counts what it sent and what came back, in bytes, so the
 * test can tell the amplification.
 */
import { createSocket, type Socket } from 'node:dgram';
import { parentPort, workerData } from 'node:worker_threads';

export interface FloodJob {
  readonly port: number;
  readonly sources: readonly string[];
  readonly queries: readonly Uint8Array[];
  readonly countMax: number;
  readonly durationMs: number;
  readonly perTick: number;
  readonly tickMs: number;
}

export interface FloodResult {
  readonly sent: number;
  readonly sentBytes: number;
  readonly received: number;
  readonly receivedBytes: number;
  readonly elapsedMs: number;
}

async function flood(job: FloodJob): Promise<FloodResult> {
  let received = 0;
  let receivedBytes = 0;
  const sockets: Socket[] = await Promise.all(
    job.sources.map(
      (source) =>
        new Promise<Socket>((resolve) => {
          const socket = createSocket('udp4');
          socket.on('message', (reply) => {
            received++;
            receivedBytes += reply.length;
          });
          // A full send buffer is the flood's problem, not the test's.
          socket.on('error', () => {});
          socket.bind(0, source, () => resolve(socket));
        }),
    ),
  );
  let sent = 0;
  let sentBytes = 0;
  const start = performance.now();
  while (sent < job.countMax && performance.now() - start < job.durationMs) {
    for (let i = 0; i < job.perTick && sent < job.countMax; i++, sent++) {
      const query = job.queries[sent % job.queries.length]!;
      sockets[sent % sockets.length]!.send(query, job.port, '127.0.0.1');
      sentBytes += query.length;
    }
    await new Promise((resolve) => setTimeout(resolve, job.tickMs));
  }
  const elapsedMs = performance.now() - start;
  // The last replies.
  await new Promise((resolve) => setTimeout(resolve, 500));
  await Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  return { sent, sentBytes, received, receivedBytes, elapsedMs };
}

if (parentPort !== null) {
  const port = parentPort;
  void flood(workerData as FloodJob).then((result) => port.postMessage(result));
}
