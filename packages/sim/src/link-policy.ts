import type { Address } from '@trellis/runtime';
import type { LatencyDistribution } from './latency.js';
import type { NetworkConfig } from './simulation-config.js';

/** What one directed link does to a message. */
export interface LinkSettings {
  latency: LatencyDistribution;
  lossRate: number;
  duplicateRate: number;
  reorderRate: number;
}

type Override = Partial<LinkSettings>;
export type LinkField = keyof LinkSettings;

/**
 * Network behaviour per link. Resolution, most specific first: the directed link a -> b, then
 * the sender's host-wide setting, then the receiver's, then the network-wide one. Keys are
 * addresses, so overrides may name hosts that are added later.
 */
export class LinkPolicy {
  readonly #global: LinkSettings;
  readonly #hosts = new Map<Address, Override>();
  readonly #links = new Map<string, Override>();
  readonly #scratch: LinkSettings;

  constructor(network: NetworkConfig) {
    this.#global = {
      latency: network.latency,
      lossRate: network.lossRate,
      duplicateRate: network.duplicateRate,
      reorderRate: network.reorderRate,
    };
    this.#scratch = { ...this.#global };
  }

  /** No hosts: network-wide. One: every link to and from `a`. Two: a -> b (and b -> a if symmetric). */
  set<F extends LinkField>(
    field: F,
    value: LinkSettings[F],
    a?: Address,
    b?: Address,
    symmetric = true,
  ): void {
    if (a === undefined) {
      this.#global[field] = value;
    } else if (b === undefined) {
      override(this.#hosts, a)[field] = value;
    } else {
      override(this.#links, linkKey(a, b))[field] = value;
      if (symmetric) override(this.#links, linkKey(b, a))[field] = value;
    }
  }

  /**
   * The settings for from -> to. The result is shared scratch space: read it before the next
   * call. The common no-override case costs two map-size checks.
   */
  resolve(from: Address, to: Address): Readonly<LinkSettings> {
    if (this.#hosts.size === 0 && this.#links.size === 0) return this.#global;
    const l = this.#links.size > 0 ? this.#links.get(linkKey(from, to)) : undefined;
    const f = this.#hosts.get(from);
    const t = this.#hosts.get(to);
    const g = this.#global;
    const s = this.#scratch;
    s.latency = l?.latency ?? f?.latency ?? t?.latency ?? g.latency;
    s.lossRate = l?.lossRate ?? f?.lossRate ?? t?.lossRate ?? g.lossRate;
    s.duplicateRate = l?.duplicateRate ?? f?.duplicateRate ?? t?.duplicateRate ?? g.duplicateRate;
    s.reorderRate = l?.reorderRate ?? f?.reorderRate ?? t?.reorderRate ?? g.reorderRate;
    return s;
  }
}

function linkKey(from: Address, to: Address): string {
  return `${from}\u0000${to}`;
}

function override<K>(map: Map<K, Override>, key: K): Override {
  let o = map.get(key);
  if (o === undefined) {
    o = {};
    map.set(key, o);
  }
  return o;
}
