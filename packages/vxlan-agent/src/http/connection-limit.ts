import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { HttpStats, ListenerName } from './http-stats.js';

/**
 * Requests one connection may have waiting for their answers. Answers to pipelined requests
 * queue in memory behind the first, and the parser reads a whole chunk of them at once: 2,730
 * `GET /metrics` per connection, 350 MB over 8 connections. Clients that pipeline at all send a
 * few; past this the connection is cut.
 */
export const inFlightMax = 32;

/**
 * Caps a listener's open connections. At the cap a newcomer does not wait behind idle
 * connections (1,100 of them once froze the API, and with it the gossip listener at a 1,024
 * descriptor limit): the least recently used connection without a request in progress is
 * closed for it. Only when every connection is busy is the newcomer refused.
 */
export class ConnectionLimit {
  /** In least-recently-used order: Map iteration follows insertion, and use re-inserts. */
  readonly #open = new Map<Socket, { inFlight: number; idle: (() => void)[] }>();
  readonly #max: number;
  readonly #stats: HttpStats;
  readonly #name: ListenerName;

  constructor(max: number, stats: HttpStats, name: ListenerName) {
    this.#max = max;
    this.#stats = stats;
    this.#name = name;
  }

  attach(server: Server): void {
    server.on('connection', (socket: Socket) => this.#admit(socket));
    server.on('request', (req: { socket: Socket }, res: { once(e: 'close', f: () => void): void }) => {
      const state = this.#open.get(req.socket);
      if (state === undefined || req.socket.destroyed) return;
      if (++state.inFlight > inFlightMax) {
        this.#stats.reject('pipelineTooDeep');
        req.socket.destroy();
        return;
      }
      this.#open.delete(req.socket);
      this.#open.set(req.socket, state);
      res.once('close', () => {
        if (--state.inFlight > 0) return;
        for (const f of state.idle.splice(0)) f();
      });
    });
  }

  /** Runs `f` once `socket` has no response in progress: at once if it has none. */
  whenIdle(socket: Socket, f: () => void): void {
    const state = this.#open.get(socket);
    if (state === undefined || state.inFlight === 0) f();
    else state.idle.push(f);
  }

  /** Whether `socket` has a request whose response is not finished. */
  busy(socket: Socket): boolean {
    return (this.#open.get(socket)?.inFlight ?? 0) > 0;
  }

  get size(): number {
    return this.#open.size;
  }

  #admit(socket: Socket): void {
    if (this.#open.size >= this.#max) {
      const idle = [...this.#open].find(([, s]) => s.inFlight === 0)?.[0];
      if (idle === undefined) {
        this.#stats.reject('connectionRefused');
        socket.destroy();
        return;
      }
      this.#stats.reject('connectionEvicted');
      this.#forget(idle);
      idle.destroy();
    }
    this.#open.set(socket, { inFlight: 0, idle: [] });
    socket.once('close', () => this.#forget(socket));
    this.#count();
  }

  #forget(socket: Socket): void {
    if (this.#open.delete(socket)) this.#count();
  }

  #count(): void {
    this.#stats.connections[this.#name] = this.#open.size;
    this.#stats.connectionsPeak[this.#name] = Math.max(
      this.#stats.connectionsPeak[this.#name],
      this.#open.size,
    );
  }
}
