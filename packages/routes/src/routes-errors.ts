import { TrellisError } from '@trellis/runtime';

/** Where an overlay's slices come from; an `Overlay` fits, so callers can pass it as is. */
export interface SliceSource {
  readonly subnet?: string;
  readonly prefixLength?: number;
  readonly subnet6?: string;
  readonly prefixLength6?: number;
  readonly sliceCount: number;
  readonly vtepSubnet?: string;
  readonly vtepSubnet6?: string;
  /** VTEP addresses in each VTEP subnet (0 without one): which of them, if any, is the limit. */
  readonly vtepCapacity?: number;
  readonly vtepCapacity6?: number;
}

/**
 * Every slice an agent may claim on an overlay is held by a live agent, so this agent gets no
 * subnet. DC/OS had no way to say so; here it is an error (and an event) naming what to widen.
 */
export class SliceExhaustedError extends TrellisError {
  override readonly name = 'SliceExhaustedError';
  readonly code = 'ERR_TRELLIS_SLICES_EXHAUSTED';
  /** The overlay's name. */
  readonly overlay: string;
  /** How many slices an agent may claim there (`claimableSlices`), all of them held. */
  readonly slices: number;

  constructor(overlay: string, slices: number, source?: SliceSource, options?: ErrorOptions) {
    super(`overlay ${overlay}: ${describeExhaustion(slices, source)}`, options);
    this.overlay = overlay;
    this.slices = slices;
  }
}

function describeExhaustion(slices: number, source: SliceSource | undefined): string {
  if (source === undefined) return `all ${slices} claimable slices are held by live agents`;
  const v4 = source.subnet !== undefined;
  const what = v4
    ? `/${String(source.prefixLength)} slices of ${source.subnet}`
    : `/${String(source.prefixLength6)} slices of ${String(source.subnet6)}`;
  if (slices >= source.sliceCount) return `all ${slices} ${what} are held by live agents`;
  // Fewer claimable than existing slices: a VTEP subnet, or the VTEP MAC's 24 bits, is the limit.
  const held = `all ${slices} claimable ${what} are held by live agents; `;
  const limits: [number | undefined, string, string | undefined][] = [
    [source.vtepCapacity, 'VTEP subnet', source.vtepSubnet],
    [source.vtepCapacity6, 'VTEP subnet6', source.vtepSubnet6],
  ];
  const limit = limits.find(([capacity, , subnet]) => capacity === slices && subnet !== undefined);
  if (limit !== undefined)
    return `${held}${limit[1]} ${String(limit[2])} has only ${slices} addresses for ${source.sliceCount} slices, widen it`;
  if (source.vtepCapacity !== undefined || source.vtepCapacity6 !== undefined)
    return `${held}VTEP MACs carry 24 bits of the VTEP IP, so no overlay has more than ${slices} claimable slices`;
  const vtep = v4 ? `VTEP subnet ${String(source.vtepSubnet)}` : `VTEP subnet6 ${String(source.vtepSubnet6)}`;
  return `${held}${vtep} has only ${slices} addresses for ${source.sliceCount} slices, widen it`;
}

/** Every container address of one bridge half (the Mesos or Docker half of a slice) is taken. */
export class AddressExhaustedError extends TrellisError {
  override readonly name = 'AddressExhaustedError';
  readonly code = 'ERR_TRELLIS_ADDRESSES_EXHAUSTED';
  /** The half, such as `9.0.5.0/25`. */
  readonly cidr: string;
  /** How many container addresses it has (gateway, network, broadcast and reserved excluded). */
  readonly capacity: number;

  constructor(cidr: string, capacity: number, options?: ErrorOptions) {
    super(`no free container address in ${cidr}: all ${capacity} are allocated`, options);
    this.cidr = cidr;
    this.capacity = capacity;
  }
}
