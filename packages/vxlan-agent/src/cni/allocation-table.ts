import type { Instant } from '@trellis/runtime';
import { AddressExhaustedError } from '@trellis/routes';
import { CniExhaustedError } from './cni-errors.js';
import { DualStackAllocator, type HeldAddresses, type MesosHalves } from './dual-stack-allocator.js';

/** One container interface on one network: the spec's key for plugin state. */
export interface Attachment {
  readonly network: string;
  readonly containerId: string;
  readonly ifname: string;
}

/** The task record an allocation registers for DNS. */
export interface CniTask {
  readonly id: string;
  readonly name: string;
  readonly framework: string;
}

/**
 * The addresses handed out from this agent's Mesos half, as persisted and as the API shows it:
 * one per family of the overlay (IPv4 only, dual-stack, or IPv6 only), each with the half's
 * prefix length and gateway. Files written before IPv6 hold the IPv4 fields only.
 */
export interface Allocation extends Attachment, HeldAddresses {
  readonly prefixLength?: number;
  readonly gateway?: string;
  readonly prefixLength6?: number;
  readonly gateway6?: string;
  readonly task: CniTask;
  /** When it was handed out (ms since the epoch). */
  readonly allocatedAt: number;
}

export interface AddRequest extends Attachment {
  readonly name: string;
  readonly framework: string;
}

export type AddOutcome =
  | { readonly ok: true; readonly allocation: Allocation; readonly created: boolean }
  | { readonly ok: false; readonly reason: 'notReady'; readonly message: string }
  | { readonly ok: false; readonly reason: 'exhausted'; readonly error: CniExhaustedError };

export type AllocationEvent =
  | { readonly type: 'exhausted'; readonly network: string; readonly message: string }
  | {
      readonly type: 'outside';
      readonly network: string;
      /** The current halves (IPv4 and IPv6 ones, space separated). */
      readonly half: string;
      readonly allocations: readonly Allocation[];
    };

export interface NetworkStatus {
  readonly network: string;
  /** The Mesos half IPv4 addresses come from; null until our slice has settled (or IPv6 only). */
  readonly half: string | null;
  /** The Mesos half IPv6 addresses come from; null without one (IPv4 only, or not settled). */
  readonly half6: string | null;
  /** How many containers fit (a dual-stack container takes one address of each half). */
  readonly capacity: number;
  /** The half that is full, if one is: the next ADD is refused. */
  readonly full: string | null;
  readonly allocated: number;
  /** ADDs refused because the half was full, since start. */
  readonly exhausted: number;
  /** Allocations held from a previous slice, outside the current half. */
  readonly outside: number;
}

interface Network {
  allocator: DualStackAllocator | undefined;
  readonly held: Map<string, Allocation>;
  exhausted: number;
  /** Owner keys of allocations with an address outside the current halves. */
  readonly outside: Set<string>;
}

const prefixOf = (cidr: string): number => Number(cidr.split('/')[1]);

/** The allocator's owner key of an attachment (the network is implied by the table). */
const ownerKey = (a: { containerId: string; ifname: string }): string => `${a.containerId}/${a.ifname}`;

/**
 * The CNI allocations of one agent, sans-IO: per network, the addresses handed out from its
 * Mesos half (one of each family a dual-stack overlay has), keyed by (container id, interface).
 * ADD is idempotent per key, release and GC are too. The driver persists `snapshot()` before it
 * answers, so a restart (`restored`) never hands out an address still in use. A new slice gets a
 * new allocator; allocations outside it stay (so DEL still finds them) and are reported.
 */
export class AllocationTable {
  readonly #agent: string;
  readonly #networks = new Map<string, Network>();
  readonly #events: AllocationEvent[] = [];

  constructor(agent: string, networks: readonly string[], restored: readonly Allocation[] = []) {
    this.#agent = agent;
    for (const name of networks)
      this.#networks.set(name, { allocator: undefined, held: new Map(), exhausted: 0, outside: new Set() });
    for (const a of restored) this.#networks.get(a.network)?.held.set(ownerKey(a), a);
  }

  get networks(): readonly string[] {
    return [...this.#networks.keys()];
  }

  /** Our settled Mesos halves of `network` (CIDRs), or undefined while we hold no slice. */
  handleSlice(network: string, halves: MesosHalves | undefined): void {
    const n = this.#networks.get(network);
    const none = halves === undefined || (halves.v4 === undefined && halves.v6 === undefined);
    if (n === undefined || (none ? n.allocator === undefined : n.allocator?.serves(halves) === true)) return;
    n.allocator = none ? undefined : new DualStackAllocator(halves);
    if (n.allocator === undefined) return;
    n.outside.clear();
    const outside: Allocation[] = [];
    for (const [key, a] of n.held)
      if (!n.allocator.restore(key, a)) {
        outside.push(a);
        n.outside.add(key);
      }
    const half = [halves?.v4, halves?.v6].filter((h) => h !== undefined).join(' ');
    if (outside.length > 0) this.#events.push({ type: 'outside', network, half, allocations: outside });
  }

  add(now: Instant, req: AddRequest): AddOutcome {
    const n = this.#networks.get(req.network);
    const held = n?.held.get(ownerKey(req));
    if (held !== undefined) return { ok: true, allocation: held, created: false };
    if (n?.allocator === undefined)
      return {
        ok: false,
        reason: 'notReady',
        message: `overlay ${req.network}: agent ${this.#agent} holds no settled slice yet; try again`,
      };
    let addresses: HeldAddresses;
    try {
      addresses = n.allocator.allocate(ownerKey(req));
    } catch (error) {
      if (!(error instanceof AddressExhaustedError)) throw error;
      n.exhausted++;
      const e = new CniExhaustedError(req.network, this.#agent, error.cidr, error.capacity);
      this.#events.push({ type: 'exhausted', network: req.network, message: e.message });
      return { ok: false, reason: 'exhausted', error: e };
    }
    const { v4, v6 } = n.allocator;
    const allocation: Allocation = Object.freeze({
      network: req.network,
      containerId: req.containerId,
      ifname: req.ifname,
      ...(addresses.ipv4 === undefined || v4 === undefined
        ? {}
        : { ipv4: addresses.ipv4, prefixLength: prefixOf(v4.cidr), gateway: v4.gateway }),
      ...(addresses.ipv6 === undefined || v6 === undefined
        ? {}
        : { ipv6: addresses.ipv6, prefixLength6: prefixOf(v6.cidr), gateway6: v6.gateway }),
      task: Object.freeze({
        id: `cni:${req.network}:${req.containerId}:${req.ifname}`,
        name: req.name,
        framework: req.framework,
      }),
      allocatedAt: now,
    });
    n.held.set(ownerKey(req), allocation);
    return { ok: true, allocation, created: true };
  }

  /** Frees an attachment's address; undefined when it held none (DEL is idempotent). */
  release(a: Attachment): Allocation | undefined {
    const n = this.#networks.get(a.network);
    const held = n?.held.get(ownerKey(a));
    if (n === undefined || held === undefined) return undefined;
    n.held.delete(ownerKey(a));
    n.allocator?.release(ownerKey(a), held);
    n.outside.delete(ownerKey(a));
    return held;
  }

  /** Releases every allocation of `network` whose attachment is not in `keep`. */
  gc(network: string, keep: readonly { containerId: string; ifname: string }[]): Allocation[] {
    const n = this.#networks.get(network);
    if (n === undefined) return [];
    const kept = new Set(keep.map(ownerKey));
    const stale = [...n.held.values()].filter((a) => !kept.has(ownerKey(a)));
    for (const a of stale) this.release(a);
    return stale;
  }

  get(a: Attachment): Allocation | undefined {
    return this.#networks.get(a.network)?.held.get(ownerKey(a));
  }

  list(network?: string): Allocation[] {
    const nets = network === undefined ? [...this.#networks.values()] : [this.#networks.get(network)];
    return nets.flatMap((n) => (n === undefined ? [] : [...n.held.values()]));
  }

  status(network: string): NetworkStatus | undefined {
    const n = this.#networks.get(network);
    if (n === undefined) return undefined;
    return {
      network,
      half: n.allocator?.v4?.cidr ?? null,
      half6: n.allocator?.v6?.cidr ?? null,
      capacity: n.allocator?.capacity ?? 0,
      full: n.allocator?.full()?.cidr ?? null,
      allocated: n.held.size,
      exhausted: n.exhausted,
      outside: n.outside.size,
    };
  }

  /** Every allocation, in a stable order: what the driver writes to disk. */
  snapshot(): Allocation[] {
    return this.list().sort((a, b) => (a.task.id < b.task.id ? -1 : a.task.id > b.task.id ? 1 : 0));
  }

  pollEvent(): AllocationEvent | undefined {
    return this.#events.shift();
  }
}
