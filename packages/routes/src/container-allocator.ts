import ipaddr from 'ipaddr.js';
import { InvalidArgumentError } from '@trellis/runtime';
import { addressToBigInt, contains, formatAddress, parseCidr, type Cidr, type IpKind } from './cidr.js';
import { AddressExhaustedError } from './routes-errors.js';

/**
 * Default bound on one half's capacity. An IPv6 half (/81 by default) has 2^47 addresses, which
 * is neither a safe JS number nor something to enumerate; 65,536 containers behind one bridge is
 * far beyond what a host runs, and it caps the allocator's memory at that many entries.
 */
export const capacityMaxDefault = 65_536;

export interface ContainerAllocatorOptions {
  /** Addresses inside the half never handed out (besides network, gateway and broadcast). */
  readonly reserved?: readonly string[];
  /** Upper bound on `capacity`; default `capacityMaxDefault`. */
  readonly capacityMax?: number;
}

/**
 * Container addresses inside one half (Mesos or Docker) of this agent's slice. Deterministic:
 * always the lowest free address, and an owner asking again gets its address back, so a replayed
 * request cannot take a second address. Never enumerates the half: a cursor marks the high-water
 * address and released ones below it wait in a sorted list, so each call is O(log n) plus a splice.
 *
 * Excluded: the network address (IPv6: the subnet-router anycast `::0`), the gateway (first
 * address after it, the bridge's own), the broadcast address (IPv4 only) and `reserved`.
 */
export class ContainerAllocator {
  /** The half, canonical form. */
  readonly cidr: string;
  readonly gateway: string;
  /** How many containers fit: usable addresses minus reserved ones, at most `capacityMax`. */
  readonly capacity: number;
  readonly #net: Cidr;
  readonly #last: bigint;
  readonly #reserved = new Set<bigint>();
  readonly #ownerOf = new Map<string, string>();
  readonly #addressOf = new Map<string, string>();
  /** Released addresses below `#next`, descending, so the lowest free one is the last element. */
  readonly #freed: bigint[] = [];
  /** Every non-reserved address in [first, #next) is allocated or in `#freed`. */
  #next: bigint;

  constructor(halfCidr: string, opts: ContainerAllocatorOptions = {}) {
    const kind: IpKind = ipaddr.IPv4.isValidCIDRFourPartDecimal(halfCidr) ? 'ipv4' : 'ipv6';
    const net = parseCidr(halfCidr, kind);
    if (typeof net === 'string') throw new InvalidArgumentError(`container half: ${net}`);
    // At least the gateway and one container: IPv4 also loses the broadcast address.
    const prefixMax = kind === 'ipv4' ? 30 : 126;
    if (net.prefix > prefixMax) {
      throw new InvalidArgumentError(`container half ${halfCidr}: /${net.prefix} has no container address`);
    }
    const capacityMax = opts.capacityMax ?? capacityMaxDefault;
    if (!Number.isSafeInteger(capacityMax) || capacityMax < 1) {
      throw new InvalidArgumentError(`capacityMax must be a positive integer, got ${capacityMax}`);
    }
    this.#net = net;
    this.cidr = `${formatAddress(net.base, kind)}/${net.prefix}`;
    this.gateway = formatAddress(net.base + 1n, kind);
    const first = net.base + 2n;
    const lastInNet = net.base + (1n << BigInt(net.bits - net.prefix)) - 1n;
    this.#last = kind === 'ipv4' ? lastInNet - 1n : lastInNet;
    for (const text of opts.reserved ?? []) {
      const value = this.#parseAddress(text);
      if (value === undefined) {
        throw new InvalidArgumentError(
          `reserved address ${JSON.stringify(text)} is not an address in ${this.cidr}`,
        );
      }
      if (value >= first && value <= this.#last) this.#reserved.add(value);
    }
    const usable = this.#last - first + 1n - BigInt(this.#reserved.size);
    this.capacity = Number(usable < BigInt(capacityMax) ? usable : BigInt(capacityMax));
    this.#next = first;
  }

  /** How many addresses are allocated. */
  get size(): number {
    return this.#ownerOf.size;
  }

  /**
   * The lowest free address for `owner`, or the one it already holds. Throws
   * `AddressExhaustedError` when all `capacity` addresses are taken.
   */
  allocate(owner: string): string {
    if (owner === '') throw new InvalidArgumentError('container owner must be a non-empty string');
    const held = this.#addressOf.get(owner);
    if (held !== undefined) return held;
    if (this.size >= this.capacity) throw new AddressExhaustedError(this.cidr, this.capacity);
    let value = this.#freed.pop();
    if (value === undefined) {
      while (this.#reserved.has(this.#next)) this.#next++;
      value = this.#next++;
    }
    const address = formatAddress(value, this.#net.kind);
    this.#ownerOf.set(address, owner);
    this.#addressOf.set(owner, address);
    return address;
  }

  /**
   * Gives `owner` exactly `address` again, as a restarted agent reloads what it handed out
   * before. Returns false (and changes nothing) when the address is outside the half, one of
   * its excluded addresses, held by another owner, or the owner holds another address; true
   * when the owner now holds it (also when it already did).
   */
  restore(owner: string, address: string): boolean {
    if (owner === '') throw new InvalidArgumentError('container owner must be a non-empty string');
    const value = this.#parseAddress(address);
    if (value === undefined || value < this.#net.base + 2n || value > this.#last) return false;
    // Past what `allocate` could ever reach (an IPv6 half is far larger than its capacity):
    // refused, which also bounds the walk below to `capacity` steps.
    if (value - this.#net.base - 2n >= BigInt(this.capacity + this.#reserved.size)) return false;
    if (this.#reserved.has(value)) return false;
    const text = formatAddress(value, this.#net.kind);
    const held = this.#addressOf.get(owner);
    if (held !== undefined) return held === text;
    if (this.#ownerOf.has(text) || this.size >= this.capacity) return false;
    if (value >= this.#next) {
      // Everything skipped between the cursor and the address becomes free below the cursor.
      for (let v = this.#next; v < value; v++) if (!this.#reserved.has(v)) this.#insertFreed(v);
      this.#next = value + 1n;
    } else {
      const i = this.#freed.indexOf(value);
      if (i >= 0) this.#freed.splice(i, 1);
    }
    this.#ownerOf.set(text, owner);
    this.#addressOf.set(owner, text);
    return true;
  }

  /**
   * Frees an address, given either the address or its owner (tried in that order); returns
   * whether anything was freed. The address becomes the next one handed out if it is the lowest.
   */
  release(addressOrOwner: string): boolean {
    const value = this.#parseAddress(addressOrOwner);
    let address = value === undefined ? undefined : formatAddress(value, this.#net.kind);
    if (address === undefined || !this.#ownerOf.has(address)) address = this.#addressOf.get(addressOrOwner);
    if (address === undefined) return false;
    const owner = this.#ownerOf.get(address)!;
    this.#ownerOf.delete(address);
    this.#addressOf.delete(owner);
    this.#insertFreed(this.#parseAddress(address)!);
    return true;
  }

  /** The address `owner` holds, if any. */
  addressOf(owner: string): string | undefined {
    return this.#addressOf.get(owner);
  }

  /** A snapshot: address -> owner, in allocation order. */
  owners(): ReadonlyMap<string, string> {
    return new Map(this.#ownerOf);
  }

  #insertFreed(value: bigint): void {
    // Binary search in the descending list for the first element smaller than `value`.
    let lo = 0;
    let hi = this.#freed.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#freed[mid]! > value) lo = mid + 1;
      else hi = mid;
    }
    this.#freed.splice(lo, 0, value);
  }

  /** The address as an integer if it is one of this half's kind inside it, else undefined. */
  #parseAddress(text: string): bigint | undefined {
    const valid =
      this.#net.kind === 'ipv4' ? ipaddr.IPv4.isValidFourPartDecimal(text) : ipaddr.IPv6.isValid(text);
    if (!valid) return undefined;
    const value = addressToBigInt(ipaddr.parse(text));
    return contains(this.#net, value) ? value : undefined;
  }
}
