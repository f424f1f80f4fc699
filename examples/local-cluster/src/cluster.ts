/**
 * The supervisor: forks one worker process per node, keeps each node's view of the member table
 * from its IPC reports, and lets the demo wait for a condition on those views with a deadline.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { TrellisError } from '@trellis/runtime';
import {
  parseWorkerMessage,
  type MemberView,
  type Status,
  type WorkerIdentity,
  type WorkerMessage,
} from './worker-message.js';

/** A node's view of the cluster: member id -> what it believes about that member. */
export type View = ReadonlyMap<string, MemberView>;

/** One node's belief about one member changed (seen through an event or a snapshot). */
export interface ObservedChange {
  readonly observer: string;
  readonly member: string;
  readonly from: Status | undefined;
  readonly to: Status;
  readonly incarnation: number;
  /** `performance.now()` when the parent received it. */
  readonly atMs: number;
}

export interface ClusterOptions {
  /** Path of the compiled worker.js. */
  readonly workerPath: string;
  readonly snapshotIntervalMs: number;
  /** Each node's identity; absent: the nodes run without. */
  readonly identityOf?: (id: string) => WorkerIdentity;
}

interface Worker {
  readonly child: ChildProcess;
  dnsPort?: number;
  readonly view: Map<string, MemberView>;
  killed: boolean;
}

interface Waiter {
  readonly check: () => boolean;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

export class PhaseTimeoutError extends TrellisError {
  override readonly name = 'PhaseTimeoutError';
  readonly code = 'ERR_TRELLIS_DEMO_PHASE_TIMEOUT';
}

export class WorkerExitedError extends TrellisError {
  override readonly name = 'WorkerExitedError';
  readonly code = 'ERR_TRELLIS_DEMO_WORKER_EXITED';
}

export class Cluster {
  /** Called for every change of any node's view. */
  onChange: (change: ObservedChange) => void = () => undefined;
  readonly #options: ClusterOptions;
  readonly #workers = new Map<string, Worker>();
  #waiters: Waiter[] = [];

  constructor(options: ClusterOptions) {
    this.#options = options;
  }

  /** Ids of the running nodes, in start order. */
  running(): string[] {
    return [...this.#workers].filter(([, w]) => !w.killed).map(([id]) => id);
  }

  view(id: string): View | undefined {
    const w = this.#workers.get(id);
    return w === undefined || w.killed ? undefined : w.view;
  }

  pid(id: string): number | undefined {
    return this.#workers.get(id)?.child.pid;
  }

  /** The port of a running node's DNS server on 127.0.0.1. */
  dnsPort(id: string): number | undefined {
    const w = this.#workers.get(id);
    return w === undefined || w.killed ? undefined : w.dnsPort;
  }

  /** Forks a worker and resolves with its bound address once it reports ready. */
  start(id: string, seeds: readonly string[], incarnation: number): Promise<string> {
    const config = {
      id,
      seeds,
      incarnation,
      snapshotIntervalMs: this.#options.snapshotIntervalMs,
      identity: this.#options.identityOf?.(id) ?? null,
    };
    const child = fork(this.#options.workerPath, [JSON.stringify(config)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const worker: Worker = { child, view: new Map(), killed: false };
    this.#workers.set(id, worker);
    return new Promise<string>((resolve, reject) => {
      child.on('message', (raw) => {
        const message = parseWorkerMessage(raw);
        if (message?.type === 'ready') {
          worker.dnsPort = message.dnsPort;
          resolve(message.addr);
        }
        if (message !== undefined) this.#receive(id, worker, message);
      });
      child.on('error', (err) => this.#fail(new WorkerExitedError(`${id}: ${err.message}`, { cause: err })));
      child.on('exit', (code, signal) => {
        const err = new WorkerExitedError(`${id} exited unexpectedly (code ${code}, signal ${signal})`);
        reject(err);
        if (!worker.killed) this.#fail(err);
      });
    });
  }

  /** SIGKILLs a node: no leave message, its peers have to detect the failure. */
  kill(id: string): void {
    const w = this.#workers.get(id);
    if (w === undefined || w.killed) return;
    w.killed = true;
    w.child.kill('SIGKILL');
  }

  /** Kills every worker; safe to call from an `exit` handler (synchronous). */
  killAll(): void {
    for (const id of this.#workers.keys()) this.kill(id);
  }

  /**
   * Resolves once `check()` holds (tested after every report from any worker), rejects after
   * `timeoutMs` or when a worker dies on its own.
   */
  waitUntil(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(new PhaseTimeoutError(`timed out after ${timeoutMs} ms waiting until ${what}`));
      }, timeoutMs);
      const waiter: Waiter = {
        check,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      this.#waiters.push(waiter);
    });
  }

  #receive(observer: string, worker: Worker, message: WorkerMessage): void {
    if (worker.killed) return;
    const atMs = performance.now();
    if (message.type === 'member') this.#set(observer, worker.view, message.member, atMs);
    if (message.type === 'snapshot')
      for (const m of message.members) this.#set(observer, worker.view, m, atMs);
    const done = this.#waiters.filter((w) => w.check());
    this.#waiters = this.#waiters.filter((w) => !done.includes(w));
    for (const w of done) w.resolve();
  }

  #set(observer: string, view: Map<string, MemberView>, m: MemberView, atMs: number): void {
    const before = view.get(m.id);
    view.set(m.id, m);
    if (before?.status === m.status && before.incarnation === m.incarnation) return;
    this.onChange({
      observer,
      member: m.id,
      from: before?.status,
      to: m.status,
      incarnation: m.incarnation,
      atMs,
    });
  }

  #fail(err: Error): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w.reject(err);
  }
}
