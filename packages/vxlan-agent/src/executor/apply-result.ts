/** What one `apply()` did, and which later ops a failure makes pointless. */
import type { KernelObject, Op } from '../kernel-model.js';

export type ObjectKind = KernelObject['kind'];
export type OpCounts = Record<Op['op'], Record<ObjectKind, number>>;

export interface ApplyError {
  readonly op: Op;
  readonly error: Error;
}

export interface ApplyResult {
  /** Ops that succeeded, by op and object kind. */
  readonly applied: OpCounts;
  /** Each failed op with its error; apply carried on with the independent ops. */
  readonly errors: readonly ApplyError[];
  /** Ops not attempted because an op they depend on failed (their VTEP or neighbor). */
  readonly skipped: readonly Op[];
  readonly durationMs: number;
}

export function emptyCounts(): OpCounts {
  const zero = (): Record<ObjectKind, number> => ({
    vtep: 0,
    bridge: 0,
    neighbor: 0,
    fdb: 0,
    route: 0,
  });
  return { put: zero(), delete: zero() };
}

/**
 * Per remote the chain is neighbor -> FDB -> route. When a put of a VTEP fails, nothing on it
 * can work; when a neighbor put fails, the FDB entry for its MAC and the route via its IP would
 * only blackhole traffic (the route without a neighbor even makes the kernel ARP on a VTEP).
 */
export class ChainGuard {
  private readonly deadDevs = new Set<string>();
  private readonly deadGateways = new Set<string>();
  private readonly deadMacs = new Set<string>();

  /** No put has failed yet: nothing is blocked (the common case, checked once per op). */
  private get nothingFailed(): boolean {
    return this.deadDevs.size === 0 && this.deadGateways.size === 0;
  }

  failed(op: Op): void {
    if (op.op !== 'put') return;
    const o = op.object;
    if (o.kind === 'vtep') this.deadDevs.add(o.spec.name);
    if (o.kind === 'neighbor') {
      this.deadGateways.add(`${o.spec.dev}/${o.spec.ip}`);
      this.deadMacs.add(`${o.spec.dev}/${o.spec.mac}`);
    }
  }

  blocks(op: Op): boolean {
    if (op.op !== 'put' || this.nothingFailed) return false;
    const o = op.object;
    switch (o.kind) {
      case 'vtep':
      case 'bridge':
        return false;
      case 'neighbor':
        return this.deadDevs.has(o.spec.dev);
      case 'fdb':
        return this.deadDevs.has(o.spec.dev) || this.deadMacs.has(`${o.spec.dev}/${o.spec.mac}`);
      case 'route':
        return this.deadDevs.has(o.spec.dev) || this.deadGateways.has(`${o.spec.dev}/${o.spec.gateway}`);
    }
  }
}
