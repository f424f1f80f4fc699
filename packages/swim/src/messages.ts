/**
 * The failure detector's messages as they appear after msgpack decoding. Keys are short because
 * every byte of a 1400-byte packet is gossip capacity. `parseSwimMessage` is the single point
 * where untrusted input becomes a typed value: anything else is a counted rejection.
 */
export type StatusCode = 0 | 1 | 2 | 3; // alive, suspect, dead, left

export interface PingMessage {
  readonly t: 'ping';
  readonly seq: number;
  /** The target's id, so a ping that reaches a different node at that address is refused. */
  readonly id: string;
  /**
   * Sender's id (a ping from an unknown or dead sender makes the target sync with it). Its
   * address is not sent: membership travels only as records, and an idle cluster's traffic is
   * mostly pings. An `sa` field from an older sender is ignored.
   */
  readonly src: string;
}

export interface AckMessage {
  readonly t: 'ack';
  readonly seq: number;
  readonly src: string;
}

export interface NackMessage {
  readonly t: 'nack';
  readonly seq: number;
}

export interface PingReqMessage {
  readonly t: 'preq';
  readonly seq: number;
  readonly id: string;
  readonly ta: string;
  readonly src: string;
  /** Ask the relay to send a nack if the target stays silent (Lifeguard). */
  readonly nack: boolean;
}

/** A member record: the CRDT delta that all membership news travels as. */
export interface MemberMessage {
  readonly t: 'm';
  readonly id: string;
  readonly a: string;
  readonly i: number;
  readonly s: StatusCode;
  readonly md: Uint8Array;
  /**
   * For a suspect record: who suspects, so independent confirmations can be counted; with
   * identity on, the signer of a suspect or dead record (a claim is its accuser's).
   */
  readonly by?: string;
  /** With identity on: the signature of the member (alive, left) or of the accuser (by). */
  readonly sg?: Uint8Array;
  /**
   * With identity on: the member's certificate, on its own alive and left records in join and
   * push-pull exchanges and in answers to `mq`.
   */
  readonly c?: unknown;
  /** With identity on, in gossip: the digest of that certificate instead (`certRefBytes`). */
  readonly cr?: Uint8Array;
}

/**
 * "Send me your records of these members with their certificates": asked of the peer whose
 * gossip named certificates we do not hold (at most `memberQueryIdsMax` ids).
 */
export interface MemberQueryMessage {
  readonly t: 'mq';
  /** The asking member: answers go only to the address our table holds for it. */
  readonly src: string;
  readonly ids: readonly string[];
}

export const memberQueryIdsMax = 32;

export type SwimDatagram =
  PingMessage | AckMessage | NackMessage | PingReqMessage | MemberMessage | MemberQueryMessage;

/** Stream (request/reply) messages. */
export interface StreamPingMessage {
  readonly t: 'sping';
  readonly id: string;
}

export type SwimMessageType = SwimDatagram['t'];

export type ParseResult<T> =
  { readonly ok: true; readonly msg: T } | { readonly ok: false; readonly reason: string };

export const idLengthMax = 128;
/** The length of a certificate reference (`cr`). */
export const certRefBytes = 8;
export const addrLengthMax = 262;
const seqMax = 0xffff_ffff;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
const isId = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= idLengthMax;
const isAddr = (v: unknown): v is string =>
  typeof v === 'string' && v.length > 2 && v.length <= addrLengthMax;
const isSeq = (v: unknown): v is number =>
  Number.isInteger(v) && (v as number) >= 0 && (v as number) <= seqMax;
const isInc = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

const bad = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

/** Validates one decoded datagram message. Unknown `t` values are reported as `unknownType`. */
export function parseSwimMessage(raw: unknown, metaSizeMax: number): ParseResult<SwimDatagram> {
  if (!isObject(raw)) return bad('notAnObject');
  switch (raw.t) {
    case 'ping':
      if (!isSeq(raw.seq) || !isId(raw.id) || !isId(raw.src)) return bad('malformedPing');
      return { ok: true, msg: { t: 'ping', seq: raw.seq, id: raw.id, src: raw.src } };
    case 'ack':
      if (!isSeq(raw.seq) || !isId(raw.src)) return bad('malformedAck');
      return { ok: true, msg: { t: 'ack', seq: raw.seq, src: raw.src } };
    case 'nack':
      if (!isSeq(raw.seq)) return bad('malformedNack');
      return { ok: true, msg: { t: 'nack', seq: raw.seq } };
    case 'preq':
      if (
        !isSeq(raw.seq) ||
        !isId(raw.id) ||
        !isAddr(raw.ta) ||
        !isId(raw.src) ||
        typeof raw.nack !== 'boolean'
      )
        return bad('malformedPingReq');
      return {
        ok: true,
        msg: { t: 'preq', seq: raw.seq, id: raw.id, ta: raw.ta, src: raw.src, nack: raw.nack },
      };
    case 'm':
      return parseMemberMessage(raw, metaSizeMax);
    case 'mq': {
      const ids = raw.ids;
      if (!Array.isArray(ids) || ids.length === 0 || ids.length > memberQueryIdsMax || !ids.every(isId))
        return bad('malformedMemberQuery');
      if (!isId(raw.src)) return bad('malformedMemberQuery');
      return { ok: true, msg: { t: 'mq', src: raw.src, ids } };
    }
    default:
      return bad('unknownType');
  }
}

export function parseMemberMessage(
  raw: Record<string, unknown>,
  metaSizeMax: number,
): ParseResult<MemberMessage> {
  const { id, a, i, s, md, by, sg, c, cr } = raw;
  if (!isId(id) || !isAddr(a) || !isInc(i)) return bad('malformedMember');
  if (s !== 0 && s !== 1 && s !== 2 && s !== 3) return bad('malformedMember');
  if (!(md instanceof Uint8Array)) return bad('malformedMember');
  if (md.length > metaSizeMax) return bad('metaTooLarge');
  if (by !== undefined && !isId(by)) return bad('malformedMember');
  if (sg !== undefined && (!(sg instanceof Uint8Array) || sg.length > 64)) return bad('malformedMember');
  if (c !== undefined && !isObject(c)) return bad('malformedMember');
  if (cr !== undefined && (!(cr instanceof Uint8Array) || cr.length !== certRefBytes))
    return bad('malformedMember');
  const msg: MemberMessage = {
    t: 'm',
    id,
    a,
    i,
    s,
    md,
    ...(by === undefined ? {} : { by }),
    ...(sg === undefined ? {} : { sg: Uint8Array.from(sg) }),
    ...(c === undefined ? {} : { c }),
    ...(cr === undefined ? {} : { cr: Uint8Array.from(cr) }),
  };
  return { ok: true, msg };
}
