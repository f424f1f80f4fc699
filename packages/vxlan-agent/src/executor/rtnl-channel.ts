/**
 * Request/response over one NETLINK_ROUTE socket, with what `netlink` 0.3 leaves out: a timeout
 * on every request, pending requests failed on a socket 'error' event (instead of hanging), the
 * NLM_F_DUMP_INTR flag kept from every dump message (including DONE), and one dump at a time.
 */
import { getSystemErrorName } from 'node:util';
import { RawNetlinkSocket } from 'netlink';
import {
  DumpInterruptedError,
  ExecutorClosedError,
  NetlinkRequestError,
  NetlinkSocketError,
  NetlinkTimeoutError,
  PermissionError,
} from './errors.js';
import { InFlightBatch, type BatchFailures } from './rtnl-batch.js';
import { getU16, getU32, setU16, setU32 } from './le-bytes.js';
import { nlmF, nlmsgType } from './rtnl-codec.js';

/** The datagram socket the channel runs on; the real one wraps `netlink`'s RawNetlinkSocket. */
export interface NetlinkTransport {
  readonly port: number;
  send(msg: Buffer, done: (err?: Error) => void): void;
  onMessage(listener: (datagram: Buffer) => void): void;
  onError(listener: (err: Error & { code?: string }) => void): void;
  close(): void;
}

export function openRouteTransport(): NetlinkTransport {
  const raw = new RawNetlinkSocket(0 /* NETLINK_ROUTE */, {
    // Room for dumps of large tables; ENOBUFS is still handled as "resync".
    recvBufferSize: 4 * 1024 * 1024,
    sendBufferSize: 1024 * 1024,
  });
  return {
    port: raw.address().port,
    send: (msg, done) => {
      raw.send(msg, {}, done);
    },
    onMessage: (l) => raw.on('message', (m) => l(m)),
    onError: (l) => {
      raw.on('error', l);
      // A datagram larger than the receive buffer lost its tail: its answers are gone.
      raw.on('truncatedMessage', (m) =>
        l(Object.assign(new Error(`netlink datagram truncated to ${m.length} bytes`), { code: 'EMSGSIZE' })),
      );
    },
    close: () => raw.close(),
  };
}

export interface NetlinkPart {
  readonly type: number;
  readonly flags: number;
  readonly data: Buffer;
}

interface Pending {
  readonly what: string;
  readonly parts: NetlinkPart[];
  interrupted: boolean;
  readonly resolve: (r: { parts: NetlinkPart[]; interrupted: boolean }) => void;
  readonly reject: (e: Error) => void;
  readonly timer: NodeJS.Timeout;
}

export interface ChannelOptions {
  readonly requestTimeoutMs: number;
  readonly dumpRetriesMax: number;
  /** Answers were (or may have been) lost: the caller must resync from a fresh dump. */
  readonly onLost: (reason: string) => void;
}

export function errnoName(errno: number): string {
  try {
    return getSystemErrorName(-errno);
  } catch {
    return `E${errno}`;
  }
}

export class RtnlChannel {
  private readonly pending = new Map<number, Pending>();
  private readonly batches: InFlightBatch[] = [];
  private seq = 1;
  private dumpTail: Promise<unknown> = Promise.resolve();
  private batchTail: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly transport: NetlinkTransport,
    private readonly opts: ChannelOptions,
  ) {
    transport.onMessage((d) => {
      this.receive(d);
    });
    transport.onError((err) => {
      const reason = err.code ?? err.message;
      this.failAll(new NetlinkSocketError(`netlink socket error: ${reason}`, { cause: err }));
      opts.onLost(`socket error ${reason}`);
    });
  }

  /** A create/change/delete request with NLM_F_ACK; resolves with any reply before the ACK. */
  async request(what: string, type: number, flags: number, payload: Buffer): Promise<NetlinkPart[]> {
    const r = await this.exchange(what, type, flags | nlmF.ACK, payload);
    return r.parts;
  }

  /** A dump, repeated while the kernel flags it interrupted, never returned partial. */
  async dump(what: string, type: number, payload: Buffer): Promise<NetlinkPart[]> {
    for (let attempt = 1; attempt <= this.opts.dumpRetriesMax + 1; attempt++) {
      const run = this.dumpTail.then(() => this.exchange(what, type, nlmF.DUMP, payload));
      this.dumpTail = run.catch(() => undefined);
      const r = await run;
      if (!r.interrupted) return r.parts;
    }
    throw new DumpInterruptedError(what, this.opts.dumpRetriesMax + 1);
  }

  /**
   * `count` create/change/delete messages, complete but for seq, port and NLM_F_ACK, sent in one
   * datagram (see rtnl-batch.ts). Resolves once, with the failed ones by index (`what(i)` names
   * request i in its error); it never rejects. One batch at a time is on the socket, so its
   * answers (at most one per request) always fit the receive buffer.
   */
  requestBatch(datagram: Buffer, count: number, what: (i: number) => string): Promise<BatchFailures> {
    const run = this.batchTail.then(() => this.sendBatch(datagram, count, what));
    this.batchTail = run.catch(() => undefined);
    return run;
  }

  private sendBatch(datagram: Buffer, count: number, what: (i: number) => string): Promise<BatchFailures> {
    if (this.closed) {
      const failures: BatchFailures = new Map();
      for (let i = 0; i < count; i++) failures.set(i, new ExecutorClosedError());
      return Promise.resolve(failures);
    }
    if (this.seq + count > 0xffffffff) this.seq = 1; // a batch's sequence numbers never wrap
    const base = this.seq;
    this.seq += count;
    for (let i = 0, off = 0; i < count; i++) {
      if (i === count - 1) setU16(datagram, off + 6, getU16(datagram, off + 6) | nlmF.ACK);
      setU32(datagram, off + 8, base + i);
      setU32(datagram, off + 12, this.transport.port);
      off += (getU32(datagram, off) + 3) & ~3;
    }
    const hooks = {
      what,
      kernelError: (w: string, errno: number) => this.kernelError(w, errno),
      onLost: this.opts.onLost,
    };
    return new Promise((resolve) => {
      const batch = new InFlightBatch(base, count, hooks, (failures) => {
        this.batches.splice(this.batches.indexOf(batch), 1);
        resolve(failures);
      });
      this.batches.push(batch);
      batch.arm(this.opts.requestTimeoutMs);
      try {
        this.transport.send(datagram, (err) => {
          if (err) batch.sendFailed(err);
        });
      } catch (e) {
        batch.sendFailed(e instanceof Error ? e : new Error(String(e)));
      }
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.failAll(new ExecutorClosedError());
    this.transport.close();
  }

  private exchange(
    what: string,
    type: number,
    flags: number,
    payload: Buffer,
  ): Promise<{ parts: NetlinkPart[]; interrupted: boolean }> {
    if (this.closed) return Promise.reject(new ExecutorClosedError());
    const seq = this.seq;
    this.seq = (this.seq % 0xffffffff) + 1;
    const header = Buffer.alloc(16);
    header.writeUInt32LE(16 + payload.length, 0);
    header.writeUInt16LE(type, 4);
    header.writeUInt16LE(flags | nlmF.REQUEST, 6);
    header.writeUInt32LE(seq, 8);
    header.writeUInt32LE(this.transport.port, 12);
    const timeoutMs = this.opts.requestTimeoutMs;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(seq);
        reject(new NetlinkTimeoutError(what, timeoutMs));
        this.opts.onLost(`timeout: ${what}`);
      }, timeoutMs);
      this.pending.set(seq, { what, parts: [], interrupted: false, resolve, reject, timer });
      this.transport.send(Buffer.concat([header, payload]), (err) => {
        if (err) this.settle(seq, new NetlinkSocketError(`netlink send (${what}) failed`, { cause: err }));
      });
    });
  }

  private receive(datagram: Buffer): void {
    let off = 0;
    while (off + 16 <= datagram.length) {
      const len = datagram.readUInt32LE(off);
      if (len < 16 || off + len > datagram.length) break;
      const seq = datagram.readUInt32LE(off + 8);
      const type = datagram.readUInt16LE(off + 4);
      if (this.pending.has(seq)) {
        const flags = datagram.readUInt16LE(off + 6);
        this.handle(seq, { type, flags, data: datagram.subarray(off + 16, off + len) });
      } else this.batchAnswer(seq, type, len >= 20 ? -datagram.readInt32LE(off + 16) : 0);
      off += (len + 3) & ~3;
    }
  }

  /** An answer inside a batch's range (an error or the final ACK: nothing else comes for one). */
  private batchAnswer(seq: number, type: number, errno: number): void {
    let batch: InFlightBatch | undefined;
    for (const b of this.batches) if (b.owns(seq)) batch = b;
    if (batch === undefined) return; // a late answer to a batch that timed out or failed
    if (type === nlmsgType.ERROR) batch.ack(seq, errno);
    else if (type === nlmsgType.OVERRUN) batch.overrun(seq);
  }

  private handle(seq: number, part: NetlinkPart): void {
    const p = this.pending.get(seq);
    if (p === undefined) return; // a late answer to a timed-out request, or a notification
    if (part.flags & nlmF.DUMP_INTR) p.interrupted = true;
    if (part.type === nlmsgType.ERROR || part.type === nlmsgType.DONE) {
      const errno = part.data.length >= 4 ? -part.data.readInt32LE(0) : 0;
      this.settle(seq, errno === 0 ? undefined : this.kernelError(p.what, errno));
      return;
    }
    if (part.type === nlmsgType.OVERRUN) {
      this.settle(seq, new NetlinkSocketError(`netlink ${p.what}: overrun`));
      this.opts.onLost(`overrun: ${p.what}`);
      return;
    }
    p.parts.push(part);
  }

  private kernelError(what: string, errno: number): Error {
    const name = errnoName(errno);
    if (name === 'EPERM' || name === 'EACCES') return new PermissionError(`${what}: ${name}`);
    if (name === 'ENOBUFS') this.opts.onLost(`ENOBUFS: ${what}`);
    return new NetlinkRequestError(what, errno, name);
  }

  private settle(seq: number, err: Error | undefined): void {
    const p = this.pending.get(seq);
    if (p === undefined) return;
    this.pending.delete(seq);
    clearTimeout(p.timer);
    if (err) p.reject(err);
    else p.resolve({ parts: p.parts, interrupted: p.interrupted });
  }

  private failAll(err: Error): void {
    for (const seq of [...this.pending.keys()]) this.settle(seq, err);
    for (const b of [...this.batches]) b.failUnanswered(() => err);
  }
}
