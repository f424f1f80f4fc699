import { ConfigError, ConfigProblems, describe, type Address, type Logger } from '@trellis/runtime';
import { isValidId, parseMembershipConfig, type MembershipConfig } from '@trellis/membership';
import { parseSwimConfig, swimProfiles, type SwimConfig, type SwimProfile } from '@trellis/swim';
import { parseMessagesConfig, type MessagesConfig } from './core/user-messages.js';
import type { NoStores, StorePlugins } from './gossip-node.js';
import { Keyring } from './keyring.js';
import { NodeIdentity, type IdentityOptions } from './identity/node-identity.js';
import { parseAddress } from './transport/address.js';
import { parseWireConfig } from './wire/wire-config.js';

export interface CreateNodeOptions<P extends StorePlugins = NoStores> {
  /** Unique, stable name of this node (1-128 characters, no control characters). */
  readonly id: string;
  /** Where to listen, `host:port`; port 0 picks a free one. Default `0.0.0.0:7946`. */
  readonly bind?: Address;
  /** What peers should dial, when it differs from `bind` (NAT, 0.0.0.0). */
  readonly advertise?: Address;
  /** Addresses of existing members to join through; empty or absent starts a new cluster. */
  readonly seeds?: readonly Address[];
  readonly profile?: SwimProfile;
  /** Overrides of the profile's failure-detector settings. */
  readonly swim?: Partial<SwimConfig>;
  readonly membership?: Partial<MembershipConfig>;
  /** The stores this node runs besides membership: `{ routes: routeStore({ overlays }) }`. */
  readonly stores?: P;
  /** User messages (`broadcast`, `send`): broadcast share, payload bounds, dedup window. */
  readonly messages?: Partial<MessagesConfig>;
  /** AES-256-GCM keyring; without it the node speaks plaintext (say so explicitly: `keyring: null`). */
  readonly keyring: Keyring | null;
  /**
   * This node's Ed25519 key, its certificate and whom it trusts (a CA, or an allowlist): with it
   * every record this node writes is signed, and only admitted members' signed records count.
   * Absent or null: no identity (records unsigned, as memberlist and Serf run).
   */
  readonly identity?: IdentityOptions | null;
  /** Cluster label, bound into every encrypted packet: nodes of other clusters are refused. */
  readonly label?: string;
  readonly meta?: Uint8Array;
  /** Default: the current unix time in ms, which beats any earlier life of this id. */
  readonly incarnation?: number;
  /** Seed of the node's random choices (default: random). */
  readonly seed?: number;
  readonly logger?: Logger;
}

const known: ReadonlySet<string> = new Set([
  'id',
  'bind',
  'advertise',
  'seeds',
  'profile',
  'swim',
  'membership',
  'stores',
  'messages',
  'keyring',
  'identity',
  'label',
  'meta',
  'incarnation',
  'seed',
  'logger',
]);

/** Options that moved into store plug-ins: the error says where they went. */
const moved: Readonly<Record<string, string>> = {
  overlays: 'stores: { routes: routeStore({ overlays }) } (from @trellis/routes)',
  routes: 'stores: { routes: routeStore({ overlays, config }) } (from @trellis/routes)',
  tasks: 'stores: { tasks: taskStore(config) } (from @trellis/tasks)',
};

export interface CheckedOptions {
  readonly bind: { readonly host: string; readonly port: number };
  readonly identity: NodeIdentity | undefined;
  readonly advertise: { readonly host: string; readonly port: number } | undefined;
}

/**
 * Checks every option before anything is bound, listing every problem (unknown keys too) in
 * one `ConfigError`: a bad option must never leave a socket open.
 */
export function checkNodeOptions(options: CreateNodeOptions<StorePlugins>): CheckedOptions {
  const p = new ConfigProblems();
  if (typeof options !== 'object' || (options as unknown) === null) {
    p.add('options', `must be an object, got ${describe(options)}`);
    p.throwIfAny('node options');
  }
  for (const key of Object.keys(options)) {
    if (known.has(key)) continue;
    p.add(key, moved[key] === undefined ? 'is not a node option' : `is not a node option: use ${moved[key]}`);
  }
  if (!isValidId(options.id))
    p.add('id', `must be 1-128 characters without control characters, got ${describe(options.id)}`);
  // JavaScript callers can omit it; plaintext must be a decision, not a default.
  if (!(options.keyring instanceof Keyring) && (options.keyring as unknown) !== null)
    p.add('keyring', 'must be a Keyring, or null to run in plaintext on purpose');
  const bind = splitAddress(options.bind ?? '0.0.0.0:7946');
  if (bind === undefined) p.add('bind', `must be host:port, got ${describe(options.bind)}`);
  const advertise = options.advertise === undefined ? undefined : splitAddress(options.advertise);
  if (options.advertise !== undefined && (advertise === undefined || advertise.port === 0))
    p.add('advertise', `must be host:port with a port, got ${describe(options.advertise)}`);
  checkSeeds(p, options.seeds);
  checkNested(p, 'swim', () => {
    if (options.profile !== undefined && !Object.hasOwn(swimProfiles, options.profile))
      throw new ConfigError('profile', [
        { path: '', message: `must be lan, wan or local, got ${describe(options.profile)}` },
      ]);
    parseSwimConfig(options.swim, options.profile);
  });
  checkNested(p, 'membership', () => parseMembershipConfig(options.membership));
  checkNested(p, 'messages', () => parseMessagesConfig(options.messages));
  checkNested(p, 'label', () => parseWireConfig({ label: options.label ?? '' }));
  const metaMax = safeMetaMax(options.membership);
  if (options.meta !== undefined && (!(options.meta instanceof Uint8Array) || options.meta.length > metaMax))
    p.add('meta', `must be a Uint8Array of at most ${metaMax} bytes`);
  if (options.incarnation !== undefined) p.integer('incarnation', options.incarnation, 0);
  if (options.seed !== undefined) p.integer('seed', options.seed, 0, 2 ** 32 - 1);
  if (options.logger !== undefined && !isLogger(options.logger))
    p.add('logger', 'must have trace, debug, info, warn, error and child');
  checkStores(p, options.stores);
  const identity = checkIdentity(p, options.id, options.identity);
  p.throwIfAny('node options');
  return { bind: bind!, advertise, identity };
}

/** The identity, built (and so checked against its own trust) before anything is bound. */
function checkIdentity(p: ConfigProblems, id: string, identity: unknown): NodeIdentity | undefined {
  if (identity === undefined || identity === null) return undefined;
  if (typeof identity !== 'object') {
    p.add('identity', `must be { privateKey, certificate, trust } or null, got ${describe(identity)}`);
    return undefined;
  }
  try {
    return new NodeIdentity(id, identity as IdentityOptions);
  } catch (error) {
    p.add('identity', error instanceof Error ? error.message : String(error));
    return undefined;
  }
}

function checkSeeds(p: ConfigProblems, seeds: unknown): void {
  if (seeds === undefined) return;
  if (!Array.isArray(seeds)) return p.add('seeds', `must be a list of host:port, got ${describe(seeds)}`);
  (seeds as unknown[]).forEach((s, i) => {
    if (typeof s !== 'string' || parseAddress(s) === undefined)
      p.add(`seeds[${i}]`, `must be host:port, got ${describe(s)}`);
  });
}

function checkStores(p: ConfigProblems, stores: unknown): void {
  if (stores === undefined) return;
  if (typeof stores !== 'object' || stores === null || Array.isArray(stores))
    return p.add('stores', `must be an object of store plug-ins by name, got ${describe(stores)}`);
  for (const [name, plugin] of Object.entries(stores as Record<string, unknown>)) {
    const create = (plugin as { create?: unknown } | null)?.create;
    if (typeof create !== 'function')
      p.add(`stores.${name}`, 'must be a store plug-in (routeStore(), taskStore()...)');
  }
}

/** Runs a nested parse, re-recording its problems under `prefix`. */
function checkNested(p: ConfigProblems, prefix: string, parse: () => unknown): void {
  try {
    parse();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const q of error.problems) p.add(q.path === '' ? prefix : `${prefix}.${q.path}`, q.message);
  }
}

function safeMetaMax(membership: Partial<MembershipConfig> | undefined): number {
  try {
    return parseMembershipConfig(membership).metaSizeMax;
  } catch {
    return parseMembershipConfig().metaSizeMax;
  }
}

function isLogger(x: unknown): x is Logger {
  if (typeof x !== 'object' || x === null) return false;
  const l = x as Record<string, unknown>;
  return ['trace', 'debug', 'info', 'warn', 'error', 'child'].every((m) => typeof l[m] === 'function');
}

/** Like the transport's parseAddress, but port 0 (pick a free port) is allowed for binding. */
export function splitAddress(addr: unknown): { host: string; port: number } | undefined {
  if (typeof addr !== 'string') return undefined;
  if (addr.endsWith(':0')) {
    const hp = parseAddress(`${addr.slice(0, -2)}:1`);
    return hp === undefined ? undefined : { host: hp.host, port: 0 };
  }
  return parseAddress(addr);
}
