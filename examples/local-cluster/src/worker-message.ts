/**
 * The IPC protocol between the demo's parent and its worker processes. Workers are ours, but
 * the channel is still an input boundary: anything malformed is dropped, never thrown.
 */

export type Status = 'alive' | 'suspect' | 'dead' | 'left';

export type MemberEventType =
  'memberJoined' | 'memberUpdated' | 'memberSuspected' | 'memberDied' | 'memberLeft';

/** What a worker reports about one member: the parts of a MemberRecord the demo shows. */
export interface MemberView {
  readonly id: string;
  readonly status: Status;
  readonly incarnation: number;
}

/** A node's identity: its key's file, its certificate (as JSON files hold it), the CA's public key. */
export interface WorkerIdentity {
  readonly keyFile: string;
  readonly certificate: unknown;
  /** base64 of the CA's 32-byte Ed25519 public key. */
  readonly ca: string;
}

/** Arguments of a worker, passed as one JSON argv entry. */
export interface WorkerConfig {
  readonly id: string;
  readonly seeds: readonly string[];
  readonly incarnation: number;
  readonly snapshotIntervalMs: number;
  /** null: no identity (`--identity none`). */
  readonly identity: WorkerIdentity | null;
}

export type WorkerMessage =
  | {
      readonly type: 'ready';
      readonly id: string;
      readonly addr: string;
      readonly incarnation: number;
      /** The UDP/TCP port of the worker's DNS server on 127.0.0.1. */
      readonly dnsPort: number;
    }
  | { readonly type: 'member'; readonly event: MemberEventType; readonly member: MemberView }
  | { readonly type: 'snapshot'; readonly members: readonly MemberView[] };

const statuses: readonly string[] = ['alive', 'suspect', 'dead', 'left'];
const eventTypes: readonly string[] = [
  'memberJoined',
  'memberUpdated',
  'memberSuspected',
  'memberDied',
  'memberLeft',
];

type Loose = Record<string, unknown>;

function isObject(v: unknown): v is Loose {
  return typeof v === 'object' && v !== null;
}

function parseMemberView(v: unknown): MemberView | undefined {
  if (!isObject(v)) return undefined;
  const { id, status, incarnation } = v;
  if (typeof id !== 'string' || typeof status !== 'string' || typeof incarnation !== 'number')
    return undefined;
  if (!statuses.includes(status)) return undefined;
  return { id, status: status as Status, incarnation };
}

/** Validates a message received from a worker; `undefined` means drop it. */
export function parseWorkerMessage(raw: unknown): WorkerMessage | undefined {
  if (!isObject(raw)) return undefined;
  switch (raw.type) {
    case 'ready': {
      const { id, addr, incarnation, dnsPort } = raw;
      if (
        typeof id !== 'string' ||
        typeof addr !== 'string' ||
        typeof incarnation !== 'number' ||
        typeof dnsPort !== 'number'
      )
        return undefined;
      return { type: 'ready', id, addr, incarnation, dnsPort };
    }
    case 'member': {
      const member = parseMemberView(raw.member);
      if (member === undefined || typeof raw.event !== 'string' || !eventTypes.includes(raw.event))
        return undefined;
      return { type: 'member', event: raw.event as MemberEventType, member };
    }
    case 'snapshot': {
      if (!Array.isArray(raw.members)) return undefined;
      const members = (raw.members as unknown[]).map(parseMemberView);
      if (members.some((m) => m === undefined)) return undefined;
      return { type: 'snapshot', members: members as MemberView[] };
    }
    default:
      return undefined;
  }
}

/** Parses the worker's argv entry; throws, since a bad one is the parent's (our own) mistake. */
export function parseWorkerConfig(arg: string | undefined): WorkerConfig {
  const v: unknown = JSON.parse(arg ?? 'null');
  if (!isObject(v)) throw new TypeError('worker: expected a JSON config as the first argument');
  const { id, seeds, incarnation, snapshotIntervalMs, identity } = v;
  if (
    typeof id !== 'string' ||
    !Array.isArray(seeds) ||
    !seeds.every((s) => typeof s === 'string') ||
    typeof incarnation !== 'number' ||
    typeof snapshotIntervalMs !== 'number' ||
    !(identity === null || isIdentity(identity))
  )
    throw new TypeError(`worker: bad config ${arg ?? ''}`);
  return { id, seeds, incarnation, snapshotIntervalMs, identity };
}

function isIdentity(v: unknown): v is WorkerIdentity {
  return isObject(v) && typeof v.keyFile === 'string' && typeof v.ca === 'string' && isObject(v.certificate);
}
