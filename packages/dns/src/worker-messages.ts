import type { DnsConfig } from './dns-config.js';
import type { DnsStats } from './dns-stats.js';
import type { TableChange } from './table-sync.js';

/** What the server tells a UDP worker process; `init` carries the shared UDP socket's handle. */
export type ToWorker =
  | {
      readonly kind: 'init';
      readonly config: DnsConfig;
      /** Hex: the RRL secret of the server, the same in every reader. */
      readonly rrlSecret: string;
      readonly rrlShare: number;
      readonly serial: number;
      readonly table: TableChange;
    }
  | { readonly kind: 'table'; readonly serial: number; readonly table: TableChange }
  | { readonly kind: 'stats' }
  | { readonly kind: 'close' };

/** What a worker tells the server: it reads the socket, it serves a serial, its counters. */
export type FromWorker =
  | { readonly kind: 'ready'; readonly serial: number }
  | { readonly kind: 'synced'; readonly serial: number }
  | { readonly kind: 'stats'; readonly serial: number; readonly stats: DnsStats };

/** One worker as `DnsServer.workerReports()` sees it. */
export interface WorkerReport {
  readonly pid: number;
  /** The zone serial the worker answers from. */
  readonly serial: number;
  readonly stats: DnsStats;
}
