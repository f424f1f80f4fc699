import { TrellisError } from '@trellis/runtime';

/**
 * A container launch found this agent's Mesos half full. Says which overlay, which agent and
 * how big the half is, so whoever reads the runtime's error knows what to widen (the overlay's
 * `prefixLength`) or where to stop scheduling.
 */
export class CniExhaustedError extends TrellisError {
  override readonly name = 'CniExhaustedError';
  readonly code = 'ERR_TRELLIS_CNI_EXHAUSTED';

  constructor(
    readonly network: string,
    readonly agent: string,
    /** The Mesos half, such as `9.0.5.0/25`. */
    readonly half: string,
    /** Its container addresses (network, gateway and broadcast excluded), all allocated. */
    readonly capacity: number,
  ) {
    super(
      `overlay ${network}: no free container address on agent ${agent}: ` +
        `all ${capacity} addresses of its Mesos half ${half} are allocated`,
    );
  }
}

/** The allocation file cannot be written: the agent refuses the ADD rather than risk a reuse. */
export class CniStateError extends TrellisError {
  override readonly name = 'CniStateError';
  readonly code = 'ERR_TRELLIS_CNI_STATE';
}
