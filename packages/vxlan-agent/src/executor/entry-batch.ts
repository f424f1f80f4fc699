/**
 * Writes a run of entry ops (neighbors, FDB entries, routes; puts or deletes) as batches: each
 * batch one datagram of up to `batchMessages` requests encoded into one buffer, answered by
 * sequence number, with one deadline. Every op still succeeds or fails alone, with the error a
 * request of its own would have had.
 */
import type { KernelObject, Op } from '../kernel-model.js';
import { identityKey } from '../planner/kernel-identity.js';
import { encodeFdb, encodeNeighbor, encodeRoute, maxEntryMessageBytes } from './entry-encoder.js';
import { NetlinkRequestError, NetlinkSocketError, NetlinkTimeoutError } from './errors.js';
import type { RtnlChannel } from './rtnl-channel.js';

/**
 * Requests per datagram. All of a datagram's ACKs sit in the receive buffer until it is read:
 * 256 ACKs (under 1 KiB of truesize each) fit in the 425 KiB that a default
 * net.core.rmem_max allows, so a host without our 4 MiB buffer drops none.
 */
export const batchMessages = 256;

/** Errnos that make a delete a success: the object is already gone. */
const GONE = new Set(['ENOENT', 'ESRCH', 'ENODEV', 'EADDRNOTAVAIL']);

/** What a request for `o` is called in its error, exactly as the single-request writer named it. */
export function entryWhat(o: KernelObject, put: boolean): string {
  switch (o.kind) {
    case 'neighbor':
      return put
        ? `neighbor ${o.spec.ip} -> ${o.spec.mac} on ${o.spec.dev}`
        : `delete neighbor ${o.spec.ip} on ${o.spec.dev}`;
    case 'fdb':
      return `${put ? '' : 'delete '}fdb ${o.spec.mac} -> ${o.spec.dst} on ${o.spec.dev}`;
    case 'route':
      return put
        ? `route ${o.spec.dst} via ${o.spec.gateway} dev ${o.spec.dev}`
        : `delete route ${o.spec.dst}`;
    default:
      return `${o.kind} ${o.spec.name}`;
  }
}

export type IfindexLookup = (dev: string) => Promise<number | undefined>;
type Devices = Map<string, number | undefined | Error>;

/** The object op i writes: its own, or (stale pass) the previous value it deletes. */
const target = (op: Op, stale: boolean): KernelObject =>
  stale && op.op === 'put' ? op.previous! : op.object;

export class EntryBatcher {
  constructor(
    private readonly ch: RtnlChannel,
    private readonly lookup: IfindexLookup,
  ) {}

  /** Runs `ops` (entry ops only); returns the error of each op that failed, by its index. */
  async run(ops: readonly Op[]): Promise<Map<number, Error>> {
    const failed = new Map<number, Error>();
    const devices: Devices = new Map();
    await this.resolve(ops, false, undefined, devices);
    await this.write(ops, false, undefined, devices, failed);
    // A put whose previous value had another identity (a changed IP, MAC or prefix) replaced
    // nothing: the previous one is deleted once the put worked, as part of the same op.
    const stale: number[] = [];
    ops.forEach((op, i) => {
      const prev = op.op === 'put' ? op.previous : undefined;
      if (prev !== undefined && !failed.has(i) && identityKey(prev) !== identityKey(op.object)) stale.push(i);
    });
    if (stale.length > 0) {
      await this.resolve(ops, true, stale, devices);
      await this.write(ops, true, stale, devices, failed);
    }
    return failed;
  }

  /** The ifindex (or the lookup's error) of every device the requests need, once each. */
  private async resolve(ops: readonly Op[], stale: boolean, only: number[] | undefined, out: Devices) {
    for (const i of only ?? ops.keys()) {
      const o = target(ops[i]!, stale);
      const needsIndex = !(o.kind === 'route' && (stale || ops[i]!.op === 'delete'));
      const dev = deviceOf(o);
      if (!needsIndex || dev === undefined || out.has(dev)) continue;
      try {
        out.set(dev, await this.lookup(dev));
      } catch (e) {
        out.set(dev, e instanceof Error ? e : new Error(String(e)));
      }
    }
  }

  private async write(
    ops: readonly Op[],
    stale: boolean,
    only: number[] | undefined,
    devices: Devices,
    failed: Map<number, Error>,
  ): Promise<void> {
    // One buffer per write (a concurrent apply() has its own), replaced after a batch whose
    // datagram may still sit in the socket's send queue (a timeout or socket error).
    let buffer = Buffer.allocUnsafe(batchMessages * maxEntryMessageBytes);
    const sent: number[] = [];
    let off = 0;
    const flush = async (): Promise<void> => {
      if (sent.length === 0) return;
      const what = (k: number): string =>
        entryWhat(target(ops[sent[k]!]!, stale), !stale && ops[sent[k]!]!.op === 'put');
      const failures = await this.ch.requestBatch(buffer.subarray(0, off), sent.length, what);
      let unanswered = false;
      for (const [k, err] of failures) {
        const i = sent[k]!;
        const put = !stale && ops[i]!.op === 'put';
        unanswered ||= err instanceof NetlinkTimeoutError || err instanceof NetlinkSocketError;
        if (!put && err instanceof NetlinkRequestError && GONE.has(err.errnoCode)) continue;
        failed.set(i, err);
      }
      if (unanswered) buffer = Buffer.allocUnsafe(buffer.length);
      sent.length = 0;
      off = 0;
    };
    for (const i of only ?? ops.keys()) {
      if (failed.has(i)) continue;
      try {
        const end = encode(buffer, off, target(ops[i]!, stale), !stale && ops[i]!.op === 'put', devices);
        if (end === off) continue; // a delete on a device that is gone: nothing left to delete
        off = end;
        sent.push(i);
      } catch (e) {
        failed.set(i, e instanceof Error ? e : new Error(String(e)));
      }
      if (sent.length === batchMessages) await flush();
    }
    await flush();
  }
}

/** Encodes the request for `o` at `off`; returns its end (== off: no request needed). */
function encode(buf: Buffer, off: number, o: KernelObject, put: boolean, devices: Devices): number {
  if (o.kind === 'route' && !put) return encodeRoute(buf, off, o.spec, undefined);
  const dev = deviceOf(o);
  const idx = dev === undefined ? undefined : devices.get(dev);
  if (idx instanceof Error) throw idx;
  if (idx === undefined) {
    if (!put) return off;
    throw new NetlinkRequestError(`find link ${dev ?? '?'}`, 19, 'ENODEV');
  }
  switch (o.kind) {
    case 'neighbor':
      return encodeNeighbor(buf, off, idx, o.spec, put);
    case 'fdb':
      return encodeFdb(buf, off, idx, o.spec, put);
    case 'route':
      return encodeRoute(buf, off, o.spec, idx);
    default:
      throw new TypeError(`not an entry: ${o.kind}`);
  }
}

function deviceOf(o: KernelObject): string | undefined {
  return o.kind === 'neighbor' || o.kind === 'fdb' || o.kind === 'route' ? o.spec.dev : undefined;
}
