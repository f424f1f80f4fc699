/**
 * A UDP worker process of a `DnsServer` with `workers` > 1: it reads the server's UDP socket
 * (handed over with `init`) beside the server's own thread and answers from its copy of the
 * zone, kept in step by the server's table changes. It exits when told to, or when the server
 * goes away (the IPC channel closes): a worker never outlives its server.
 */
import type { Socket as DgramSocket } from 'node:dgram';
import { copyDnsStats, emptyDnsStats, type SocketEventKind } from './dns-stats.js';
import { TableReplica } from './table-sync.js';
import { TaskZone } from './task-zone.js';
import { UdpAnswerer } from './udp-answerer.js';
import type { FromWorker, ToWorker } from './worker-messages.js';

/** Counters go to the server this often, so its `stats()` lags a worker's by at most this. */
const STATS_PUSH_MS = 1000;

const stats = emptyDnsStats();
const replica = new TableReplica();
let answerer: UdpAnswerer | undefined;
let socket: DgramSocket | undefined;
let serial = 0;

function tell(message: FromWorker): void {
  if (process.connected) process.send!(message);
}

function count(kind: SocketEventKind): void {
  stats.socket[kind] = (stats.socket[kind] ?? 0) + 1;
}

function report(): void {
  if (answerer === undefined) return;
  stats.answerCacheHits = answerer.cacheHits;
  stats.answerCacheMisses = answerer.cacheMisses;
  tell({ kind: 'stats', serial, stats: copyDnsStats(stats) });
}

function onMessage(message: ToWorker, handle: unknown): void {
  switch (message.kind) {
    case 'init': {
      const c = message.config;
      serial = message.serial;
      answerer = new UdpAnswerer(TaskZone.build(replica.apply(message.table), c, serial), {
        config: c,
        stats,
        count,
        rrlSecret: Buffer.from(message.rrlSecret, 'hex'),
        rrlShare: message.rrlShare,
      });
      socket = handle as DgramSocket;
      answerer.serve(socket, () => true);
      setInterval(report, STATS_PUSH_MS).unref();
      tell({ kind: 'ready', serial });
      return;
    }
    case 'table':
      serial = message.serial;
      answerer?.setZone(TaskZone.build(replica.apply(message.table), answerer.zone.settings, serial));
      tell({ kind: 'synced', serial });
      return;
    case 'stats':
      report();
      return;
    case 'close':
      stop();
  }
}

function stop(): void {
  const done = (): void => process.exit(0);
  if (socket === undefined) done();
  else socket.close(done);
}

process.on('message', onMessage);
process.once('disconnect', stop);
