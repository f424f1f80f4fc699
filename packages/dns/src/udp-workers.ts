import { type ChildProcess, fork } from 'node:child_process';
import type { Socket as DgramSocket } from 'node:dgram';
import { type Logger, TrellisError } from '@trellis/runtime';
import type { TaskEntry } from '@trellis/tasks';
import type { DnsConfig } from './dns-config.js';
import { type DnsStats, type SocketEventKind, addDnsStats, emptyDnsStats } from './dns-stats.js';
import { TableDiffer } from './table-sync.js';
import type { FromWorker, ToWorker, WorkerReport } from './worker-messages.js';

/** A UDP worker process did not start (fork failed, it exited, or it was not ready in time). */
export class WorkerStartError extends TrellisError {
  override readonly name = 'WorkerStartError';
  readonly code = 'ERR_TRELLIS_DNS_WORKER';
}

/** A worker has this long to take the socket and build its zone (10,000 tasks: well under 1 s). */
const READY_TIMEOUT_MS = 15_000;
/** A worker that died is started again after this: a crash loop costs one fork a second. */
const RESTART_DELAY_MS = 1000;
/** A worker told to close that has not exited by then is killed. */
const CLOSE_TIMEOUT_MS = 5000;

interface Worker {
  readonly child: ChildProcess;
  last: WorkerReport;
  readonly exited: Promise<void>;
}

export interface UdpWorkersOptions {
  /** Child processes to run: the server's `workers` less its own thread. */
  readonly count: number;
  readonly config: DnsConfig;
  readonly socket: DgramSocket;
  readonly rrlSecret: Uint8Array;
  readonly log: Logger;
  readonly countEvent: (kind: SocketEventKind, cause?: unknown) => void;
}

/**
 * The server's UDP worker processes: each reads the one UDP socket (its handle sent with `init`,
 * so there is one port and the kernel hands each datagram to one reader) and answers from its
 * copy of the table, which `update` keeps in step by sending only what changed. One that dies
 * is counted (`worker-exit`), logged and restarted; the server's own thread reads the socket
 * too, so no query path waits on a worker.
 */
export class UdpWorkers {
  readonly #o: UdpWorkersOptions;
  readonly #script = new URL('./udp-worker-main.js', import.meta.url);
  readonly #differ = new TableDiffer();
  readonly #workers = new Set<Worker>();
  readonly #restarts = new Set<NodeJS.Timeout>();
  /** What workers that exited had last reported: counters must never go down. */
  readonly #retired = emptyDnsStats();
  #serial = 0;
  #closed = false;

  constructor(options: UdpWorkersOptions) {
    this.#o = options;
  }

  /** Starts every worker on `entries`; throws a WorkerStartError (the started ones stopped) if one fails. */
  async start(entries: readonly TaskEntry[], serial: number): Promise<void> {
    this.#differ.change(entries);
    this.#serial = serial;
    try {
      await Promise.all(Array.from({ length: this.#o.count }, () => this.#spawn()));
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  /** Sends every worker what changed since the last table. */
  update(entries: readonly TaskEntry[], serial: number): void {
    this.#serial = serial;
    const table = this.#differ.change(entries);
    for (const w of this.#workers) send(w.child, { kind: 'table', serial, table });
  }

  /** The counters each worker last reported (at most a second old), and those of exited ones. */
  lastStats(): DnsStats[] {
    return [this.#retired, ...[...this.#workers].map((w) => w.last.stats)];
  }

  /** Asks every worker for its counters and zone serial now. */
  async reports(): Promise<WorkerReport[]> {
    return Promise.all(
      [...this.#workers].map(async (w) => {
        const reply = nextStats(w);
        send(w.child, { kind: 'stats' });
        await Promise.race([reply, w.exited]);
        return w.last;
      }),
    );
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const t of this.#restarts) clearTimeout(t);
    await Promise.all([...this.#workers].map((w) => stopWorker(w)));
  }

  async #spawn(): Promise<void> {
    const child = fork(this.#script, [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const w: Worker = { child, exited, last: { pid: child.pid ?? 0, serial: 0, stats: emptyDnsStats() } };
    child.on('message', (m: FromWorker) => {
      if (m.kind === 'stats') w.last = { pid: w.last.pid, serial: m.serial, stats: m.stats };
      else w.last = { ...w.last, serial: m.serial };
    });
    child.on('error', (error) => this.#o.log.warn({ err: error }, 'dns worker error'));
    this.#workers.add(w);
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new WorkerStartError('dns worker not ready in time')),
        READY_TIMEOUT_MS,
      );
      child.once('message', () => (clearTimeout(timer), resolve()));
      void exited.then(
        () => (clearTimeout(timer), reject(new WorkerStartError('dns worker exited at start'))),
      );
    });
    const c = this.#o;
    const init: ToWorker = {
      kind: 'init',
      config: c.config,
      rrlSecret: Buffer.from(c.rrlSecret).toString('hex'),
      rrlShare: 1 / c.config.workers,
      serial: this.#serial,
      table: { kind: 'full', entries: this.#differ.entries },
    };
    child.send(init, c.socket);
    void exited.then(() => this.#onExit(w));
    // One that is not ready is killed: its exit restarts it (or, at start, fails the start).
    await ready.catch((error: unknown) => {
      child.kill('SIGKILL');
      throw error;
    });
  }

  #onExit(w: Worker): void {
    this.#workers.delete(w);
    addDnsStats(this.#retired, w.last.stats);
    if (this.#closed) return;
    const { exitCode, signalCode } = w.child;
    this.#o.countEvent(
      'worker-exit',
      new Error(`dns worker ${w.last.pid} exited (${exitCode ?? signalCode})`),
    );
    const timer = setTimeout(() => {
      this.#restarts.delete(timer);
      if (!this.#closed)
        this.#spawn().catch((error: unknown) =>
          this.#o.log.warn({ err: error }, 'dns worker restart failed'),
        );
    }, RESTART_DELAY_MS);
    this.#restarts.add(timer);
  }
}

function send(child: ChildProcess, message: ToWorker): void {
  // Fails only for a worker that is dying: its exit restarts it with the whole table.
  if (child.connected) child.send(message, () => undefined);
}

function nextStats(w: Worker): Promise<void> {
  return new Promise((resolve) => {
    const on = (m: FromWorker): void => {
      if (m.kind !== 'stats') return;
      w.child.off('message', on);
      resolve();
    };
    w.child.on('message', on);
  });
}

async function stopWorker(w: Worker): Promise<void> {
  send(w.child, { kind: 'close' });
  const killer = setTimeout(() => w.child.kill('SIGKILL'), CLOSE_TIMEOUT_MS);
  await w.exited;
  clearTimeout(killer);
}
