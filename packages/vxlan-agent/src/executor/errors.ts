/** Errors of the netlink executor: one class per condition, each with a fixed `name` and `code`. */
import { TrellisError } from '@trellis/runtime';

/** A netlink request got no answer in time; the kernel may or may not have applied it. */
export class NetlinkTimeoutError extends TrellisError {
  override readonly name = 'NetlinkTimeoutError';
  readonly code = 'ERR_TRELLIS_NETLINK_TIMEOUT';
  constructor(
    readonly what: string,
    readonly timeoutMs: number,
  ) {
    super(`netlink ${what}: no answer within ${timeoutMs} ms`);
  }
}

/** The kernel rejected a request (`errno` positive, `errnoCode` like `EEXIST`). */
export class NetlinkRequestError extends TrellisError {
  override readonly name = 'NetlinkRequestError';
  readonly code = 'ERR_TRELLIS_NETLINK_REQUEST';
  constructor(
    readonly what: string,
    readonly errno: number,
    readonly errnoCode: string,
  ) {
    super(`netlink ${what}: ${errnoCode} (errno ${errno})`);
  }
}

/**
 * The socket failed (a receive error such as ENOBUFS, or it was closed) while requests were
 * pending: their answers are lost, so the caller must resync from a fresh dump.
 */
export class NetlinkSocketError extends TrellisError {
  override readonly name = 'NetlinkSocketError';
  readonly code = 'ERR_TRELLIS_NETLINK_SOCKET';
}

/** A dump kept coming back with NLM_F_DUMP_INTR: its content is not trustworthy. */
export class DumpInterruptedError extends TrellisError {
  override readonly name = 'DumpInterruptedError';
  readonly code = 'ERR_TRELLIS_DUMP_INTERRUPTED';
  constructor(
    readonly what: string,
    readonly attempts: number,
  ) {
    super(`netlink dump of ${what} was interrupted ${attempts} times in a row; not using it`);
  }
}

/** The process may not change network configuration (EPERM, no CAP_NET_ADMIN). */
export class PermissionError extends TrellisError {
  override readonly name = 'PermissionError';
  readonly code = 'ERR_TRELLIS_NET_ADMIN';
  constructor(detail: string, options?: ErrorOptions) {
    super(
      `trellis-agent needs CAP_NET_ADMIN to program VXLAN devices, neighbors, FDB entries and ` +
        `routes (${detail}): run as root or grant CAP_NET_ADMIN, e.g. ` +
        `setcap cap_net_admin+ep $(which node), or run in a container with NET_ADMIN`,
      options,
    );
  }
}

/** The executor was used after close(). */
export class ExecutorClosedError extends TrellisError {
  override readonly name = 'ExecutorClosedError';
  readonly code = 'ERR_TRELLIS_EXECUTOR_CLOSED';
  constructor() {
    super('netlink executor is closed');
  }
}

/**
 * IPv6 is not available in this network namespace (the kernel was booted with ipv6.disable=1,
 * or built without it), so a dual-stack overlay's IPv6 addresses cannot be set on `dev`.
 */
export class Ipv6UnavailableError extends TrellisError {
  override readonly name = 'Ipv6UnavailableError';
  readonly code = 'ERR_TRELLIS_IPV6_UNAVAILABLE';
  constructor(
    readonly dev: string,
    options?: ErrorOptions,
  ) {
    super(
      `IPv6 is not available for ${dev} (no /proc/sys/net/ipv6/conf/${dev}: booted with ipv6.disable=1?); ` +
        'remove subnet6 from the overlay or enable IPv6 in the kernel',
      options,
    );
  }
}
