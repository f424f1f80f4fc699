/**
 * The netlink executor: reads back the kernel objects the agent owns and applies the planner's
 * ops to them, over one rtnetlink socket with a timeout on every request.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import type { KernelState, Op } from '../kernel-model.js';
import { ChainGuard, emptyCounts, type ApplyError, type ApplyResult } from './apply-result.js';
import { ExecutorClosedError, PermissionError } from './errors.js';
import { enableIpv6Forwarding, ipv6Forwarding } from './ipv6-sysctl.js';
import { observeState, type OurDevNames } from './kernel-reader.js';
import { identityKey } from '../planner/kernel-identity.js';
import { EntryBatcher } from './entry-batch.js';
import { KernelWriter, type LinkObject } from './kernel-writer.js';
import { RtnlChannel, openRouteTransport, type NetlinkTransport } from './rtnl-channel.js';

/** Structured logger (pino-compatible subset); silent by default. */
export interface ExecutorLogger {
  debug(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface NetlinkExecutorOptions {
  /** Every netlink request fails with NetlinkTimeoutError after this long (default 2000). */
  readonly requestTimeoutMs?: number;
  /** Re-dumps of a dump the kernel flags NLM_F_DUMP_INTR before giving up (default 3). */
  readonly dumpRetriesMax?: number;
  /** Check CAP_NET_ADMIN in open() and fail early with PermissionError (default true). */
  readonly checkCapabilities?: boolean;
  readonly logger?: ExecutorLogger;
  /** For tests: the socket to run on instead of a fresh NETLINK_ROUTE socket. */
  readonly transport?: NetlinkTransport;
}

const defaults = Object.freeze({ requestTimeoutMs: 2000, dumpRetriesMax: 3 });
const silent: ExecutorLogger = { debug: () => undefined, warn: () => undefined };
const CAP_NET_ADMIN = 12n;
const IP_FORWARD = '/proc/sys/net/ipv4/ip_forward';

/** Whether the effective capability set of this process holds CAP_NET_ADMIN. */
export async function hasNetAdmin(): Promise<boolean> {
  const status = await readFile('/proc/self/status', 'utf8');
  const hex = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  return hex !== undefined && ((BigInt(`0x${hex}`) >> CAP_NET_ADMIN) & 1n) === 1n;
}

const isLink = (op: Op): boolean => op.object.kind === 'vtep' || op.object.kind === 'bridge';

/** Splits ops into maximal runs of the same (op, kind), keeping their order. */
function runsOfOneKind(ops: readonly Op[]): Op[][] {
  const runs: Op[][] = [];
  for (const op of ops) {
    const last = runs.at(-1);
    const head = last?.[0];
    if (head !== undefined && head.op === op.op && head.object.kind === op.object.kind) last!.push(op);
    else runs.push([op]);
  }
  return runs;
}

export class NetlinkExecutor {
  private resyncReason: string | undefined;
  private closed = false;
  private readonly writer: KernelWriter;
  private readonly entries: EntryBatcher;

  private constructor(
    private readonly ch: RtnlChannel,
    private readonly log: ExecutorLogger,
    setLost: (f: (reason: string) => void) => void,
  ) {
    this.writer = new KernelWriter(ch);
    this.entries = new EntryBatcher(ch, (dev) => this.writer.ifindexOrUndefined(dev));
    setLost((reason) => {
      this.markResync(reason);
    });
  }

  static async open(opts: NetlinkExecutorOptions = {}): Promise<NetlinkExecutor> {
    if ((opts.checkCapabilities ?? true) && !(await hasNetAdmin())) {
      throw new PermissionError('the process lacks CAP_NET_ADMIN');
    }
    let onLost: (reason: string) => void = () => undefined;
    const ch = new RtnlChannel(opts.transport ?? openRouteTransport(), {
      requestTimeoutMs: opts.requestTimeoutMs ?? defaults.requestTimeoutMs,
      dumpRetriesMax: opts.dumpRetriesMax ?? defaults.dumpRetriesMax,
      onLost: (reason) => {
        onLost(reason);
      },
    });
    return new NetlinkExecutor(ch, opts.logger ?? silent, (f) => {
      onLost = f;
    });
  }

  /** True once answers may have been lost (socket error, ENOBUFS, timeout): do a full resync. */
  get needsResync(): boolean {
    return this.resyncReason !== undefined;
  }

  get needsResyncReason(): string | undefined {
    return this.resyncReason;
  }

  /** Call after a full resync (observe + apply) succeeded. */
  clearResync(): void {
    this.resyncReason = undefined;
  }

  close(): void {
    this.closed = true;
    this.ch.close();
  }

  /**
   * The objects we own: our VTEPs and bridges (by the given names, else `vtep<N>` and
   * `m-*`/`d-*`), permanent neighbors and `self` FDB entries on the VTEPs, routes with our
   * rtm_protocol. Throws DumpInterruptedError rather than return a partial view.
   */
  async observe(devNames?: OurDevNames): Promise<KernelState> {
    this.assertOpen();
    return observeState(this.ch, devNames);
  }

  /**
   * Executes the ops in order; see ApplyResult. Throws only PermissionError (EPERM).
   *
   * Consecutive ops of one kind (all neighbor puts, then all FDB puts, ...) do not depend on each
   * other: they go to the kernel in batches of many requests per datagram (entry-batch.ts), and
   * each op's own ACK says whether it worked. A run finishes before the next starts, so a failed
   * neighbor is known before its FDB entry and route would be sent. Links are changed one op at
   * a time (a VTEP put is several requests).
   */
  async apply(ops: readonly Op[]): Promise<ApplyResult> {
    this.assertOpen();
    const started = performance.now();
    const applied = emptyCounts();
    const errors: ApplyError[] = [];
    const skipped: Op[] = [];
    const guard = new ChainGuard();
    let permission: PermissionError | undefined;
    const outcome = (op: Op, e: Error | undefined): void => {
      if (e === undefined) {
        applied[op.op][op.object.kind]++;
        return;
      }
      if (e instanceof PermissionError) {
        permission = e;
        return;
      }
      this.log.warn({ op, err: e }, 'netlink op failed');
      errors.push({ op, error: e });
      guard.failed(op);
    };
    for (const group of runsOfOneKind(ops)) {
      const runnable = group.filter((op) => !guard.blocks(op) || (skipped.push(op), false));
      if (isLink(group[0]!)) {
        for (let i = 0; i < runnable.length && permission === undefined; i++)
          outcome(runnable[i]!, await this.runLink(runnable[i]!));
      } else {
        const failed = await this.entries.run(runnable);
        runnable.forEach((op, i) => {
          outcome(op, failed.get(i));
        });
      }
      if (permission !== undefined) throw permission;
    }
    const durationMs = performance.now() - started;
    this.log.debug({ applied, errors: errors.length, durationMs }, 'netlink ops applied');
    return { applied, errors, skipped, durationMs };
  }

  /** A link op; resolves with its error, if it failed. */
  private async runLink(op: Op): Promise<Error | undefined> {
    const object = op.object as LinkObject;
    try {
      if (op.op === 'delete') {
        await this.writer.delete(object);
        return undefined;
      }
      await this.writer.put(object);
      const prev = op.previous as LinkObject | undefined;
      // Same identity (links share one name space, whatever their kind): the put replaced it.
      if (prev !== undefined && identityKey(prev) !== identityKey(op.object)) await this.writer.delete(prev);
      return undefined;
    } catch (e) {
      return e instanceof Error ? e : new Error(String(e));
    }
  }

  /** Whether IPv4 forwarding is on in this process's network namespace. */
  async ipForwarding(): Promise<boolean> {
    return (await readFile(IP_FORWARD, 'utf8')).trim() === '1';
  }

  async enableIpForwarding(): Promise<void> {
    try {
      await writeFile(IP_FORWARD, '1\n');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
        throw new PermissionError(`writing ${IP_FORWARD}: ${code}`, { cause: e });
      }
      throw e;
    }
  }

  /** Whether IPv6 forwarding is on in this namespace (`net.ipv6.conf.all.forwarding`). */
  async ipv6Forwarding(): Promise<boolean> {
    return ipv6Forwarding();
  }

  /**
   * Turns IPv6 forwarding on for every interface of the namespace; the kernel then stops
   * accepting router advertisements on interfaces whose accept_ra is 1 (not 2).
   */
  async enableIpv6Forwarding(): Promise<void> {
    await enableIpv6Forwarding();
  }

  private markResync(reason: string): void {
    if (this.resyncReason === undefined) this.log.warn({ reason }, 'netlink: full resync needed');
    this.resyncReason ??= reason;
  }

  private assertOpen(): void {
    if (this.closed) throw new ExecutorClosedError();
  }
}
