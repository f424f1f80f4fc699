import { ConfigProblems } from '@trellis/runtime';

/** Limits of the wire codec. Every size is in bytes and includes the envelope and encryption. */
export interface WireConfig {
  /** Cluster label bound into every encrypted packet as associated data; may be empty. */
  readonly label: string;
  /** Target size of one compound UDP packet: memberlist's 1400 stays under a 1500-byte MTU. */
  readonly packetBudgetBytes: number;
  /** Hard limit on a received datagram: the largest UDP payload over IPv4. */
  readonly datagramSizeMax: number;
  /**
   * Hard limit on a stream frame. 8 MiB is about five times a full push-pull state of a
   * 5,000-node cluster with routes (~300 bytes per node), while 16 concurrent inbound streams
   * still cap the worst case at 128 MiB.
   */
  readonly streamSizeMax: number;
  /** Messages per datagram: more than a 1400-byte packet of one-byte messages can hold. */
  readonly datagramMessagesMax: number;
  /** Messages per stream frame. */
  readonly frameMessagesMax: number;
  /**
   * msgpack values (scalars, strings, arrays, maps and map keys) per stream frame, counted
   * before decoding: decode time grows with them (~25 ms per 100,000 on a shared 2-core host,
   * bench numbers in the README). About 25 per member record and 30 per route record.
   */
  readonly frameItemsMax: number;
  /**
   * Distinct map keys per stream frame: msgpackr makes a string for each new key, which costs
   * more than any other value (131,000 distinct keys: ~160 ms; protocol messages use a few
   * dozen field names).
   */
  readonly frameKeysMax: number;
}

export const defaultWireConfig: WireConfig = Object.freeze({
  label: '',
  packetBudgetBytes: 1400,
  datagramSizeMax: 65_507,
  streamSizeMax: 8 * 1024 * 1024,
  datagramMessagesMax: 2048,
  frameMessagesMax: 65_536,
  frameItemsMax: 262_144,
  frameKeysMax: 16_384,
});

/** Label bytes go into every packet's associated data; keep them small. */
const LABEL_BYTES_MAX = 255;

/** Fills defaults and checks every field, listing all problems in one `ConfigError`. */
export function parseWireConfig(input: Partial<WireConfig> = {}): WireConfig {
  const config = { ...defaultWireConfig, ...input };
  const p = new ConfigProblems();
  if (typeof config.label !== 'string') p.add('label', 'must be a string');
  else if (Buffer.byteLength(config.label) > LABEL_BYTES_MAX)
    p.add('label', `must be at most ${LABEL_BYTES_MAX} bytes`);
  p.integer('datagramSizeMax', config.datagramSizeMax, 64, 65_507);
  p.integer('packetBudgetBytes', config.packetBudgetBytes, 64, 65_507);
  if (config.packetBudgetBytes > config.datagramSizeMax) {
    p.add('packetBudgetBytes', `must not exceed datagramSizeMax (${config.datagramSizeMax})`);
  }
  p.integer('streamSizeMax', config.streamSizeMax, 1024, 1024 * 1024 * 1024);
  p.integer('datagramMessagesMax', config.datagramMessagesMax, 1, 0xffff);
  p.integer('frameMessagesMax', config.frameMessagesMax, 1, 0xffff_ffff);
  p.integer('frameItemsMax', config.frameItemsMax, 16, 0xffff_ffff);
  p.integer('frameKeysMax', config.frameKeysMax, 16, 0xffff_ffff);
  p.throwIfAny('wire config');
  return Object.freeze(config);
}
