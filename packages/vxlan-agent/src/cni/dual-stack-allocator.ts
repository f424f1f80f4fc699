import { AddressExhaustedError, ContainerAllocator } from '@trellis/routes';

/** This agent's Mesos half of one overlay in each family it has: IPv4, IPv6, or both. */
export interface MesosHalves {
  readonly v4?: string;
  readonly v6?: string;
}

/** A container's addresses, one per family of the halves they came from. */
export interface HeldAddresses {
  readonly ipv4?: string;
  readonly ipv6?: string;
}

/**
 * The addresses of one overlay's Mesos half in both families: a container gets one address of
 * each family the overlay has, or none at all (a full IPv6 half gives back the IPv4 address it
 * just took), so a dual-stack container is never left half attached.
 */
export class DualStackAllocator {
  readonly v4: ContainerAllocator | undefined;
  readonly v6: ContainerAllocator | undefined;

  constructor(halves: MesosHalves) {
    this.v4 = halves.v4 === undefined ? undefined : new ContainerAllocator(halves.v4);
    this.v6 = halves.v6 === undefined ? undefined : new ContainerAllocator(halves.v6);
  }

  /** Whether `halves` are the halves this allocator serves. */
  serves(halves: MesosHalves): boolean {
    return this.v4?.cidr === halves.v4 && this.v6?.cidr === halves.v6;
  }

  /** How many containers fit: the smaller family bounds it. */
  get capacity(): number {
    return Math.min(this.v4?.capacity ?? Infinity, this.v6?.capacity ?? Infinity);
  }

  /** The family whose half is full, or undefined when one more container fits. */
  full(): ContainerAllocator | undefined {
    return [this.v4, this.v6].find((a) => a !== undefined && a.size >= a.capacity);
  }

  /**
   * One address per family for `owner`; throws `AddressExhaustedError` when a half is full,
   * and then holds nothing for it.
   */
  allocate(owner: string): HeldAddresses {
    const ipv4 = this.v4?.allocate(owner);
    let ipv6: string | undefined;
    try {
      ipv6 = this.v6?.allocate(owner);
    } catch (error) {
      if (error instanceof AddressExhaustedError && ipv4 !== undefined) this.v4?.release(owner);
      throw error;
    }
    return { ...(ipv4 === undefined ? {} : { ipv4 }), ...(ipv6 === undefined ? {} : { ipv6 }) };
  }

  /**
   * Gives `owner` its addresses from a previous run again. True when every address it holds
   * lies in the family's current half; an address of a family the overlay no longer has, or
   * outside its half, makes it false (the container must restart). Addresses that do restore
   * stay taken either way: the container still uses them.
   */
  restore(owner: string, held: HeldAddresses): boolean {
    const v4 = held.ipv4 === undefined || this.v4?.restore(owner, held.ipv4) === true;
    const v6 = held.ipv6 === undefined || this.v6?.restore(owner, held.ipv6) === true;
    return v4 && v6;
  }

  /** Frees the addresses `owner` holds here, and only if they are the ones in `held`. */
  release(owner: string, held: HeldAddresses): void {
    if (held.ipv4 !== undefined && this.v4?.addressOf(owner) === held.ipv4) this.v4.release(owner);
    if (held.ipv6 !== undefined && this.v6?.addressOf(owner) === held.ipv6) this.v6.release(owner);
  }
}
