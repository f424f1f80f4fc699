import * as dnsPacket from 'dns-packet';
import { assert } from '@trellis/runtime';
import type { QueryHeader } from './query-header.js';

/** The rcodes we send (RFC 1035 §4.1.1). */
export const Rcode = Object.freeze({ NOERROR: 0, FORMERR: 1, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 });

/** The opcode's bits in dns-packet's `flags`: a response repeats the query's opcode. */
const OPCODE_MASK = 0x7800;
/** Bits a response copies from the query (RFC 1035 for RD, RFC 4035 for CD). */
const ECHOED_FLAGS = dnsPacket.RECURSION_DESIRED | dnsPacket.CHECKING_DISABLED;

/** Largest DNS message: the TCP length prefix is 16 bits. */
export const MESSAGE_BYTES_MAX = 65_535;
/** A UDP response to a client without EDNS0 (RFC 1035 §4.2.1). */
export const CLASSIC_UDP_BYTES = 512;

export interface ResponseSpec {
  readonly header: QueryHeader;
  readonly rcode: number;
  readonly authoritative: boolean;
  readonly question?: dnsPacket.Question | undefined;
  readonly answers?: readonly dnsPacket.Answer[];
  readonly authorities?: readonly dnsPacket.Answer[];
  readonly additionals?: readonly dnsPacket.Answer[];
  /** Present when the query had an OPT record: the response must carry one too (RFC 6891). */
  readonly opt?: { readonly udpPayloadSize: number; readonly extendedRcode: number } | undefined;
}

/**
 * How much room the response has. UDP: the whole message must fit or everything but the
 * question (and OPT) goes, with TC set, so the client retries over TCP (RFC 2181 §9). TCP: only
 * the 64 KiB frame limits it; answers past it are cut and TC set to say the set is incomplete.
 */
export type SizeLimit = { readonly via: 'udp'; readonly bytesMax: number } | { readonly via: 'tcp' };

export function encodeResponse(spec: ResponseSpec, limit: SizeLimit): { bytes: Buffer; truncated: boolean } {
  const packet = toPacket(spec);
  const bytesMax = limit.via === 'udp' ? limit.bytesMax : MESSAGE_BYTES_MAX;
  let length = dnsPacket.encodingLength(packet);
  if (length <= bytesMax) return { bytes: dnsPacket.encode(packet), truncated: false };

  const cut = { ...packet, flags: (packet.flags ?? 0) | dnsPacket.TRUNCATED_RESPONSE };
  if (limit.via === 'udp') {
    cut.answers = [];
    cut.authorities = [];
    cut.additionals = optRecords(spec);
  } else {
    const answers = [...(packet.answers ?? [])];
    while (length > bytesMax && answers.length > 0) {
      const last = answers.pop()!;
      length -= dnsPacket.encodingLength({ answers: [last] }) - dnsPacket.encodingLength({});
    }
    cut.answers = answers;
  }
  const bytes = dnsPacket.encode(cut);
  assert(
    bytes.length <= bytesMax,
    `response of ${bytes.length} bytes still over ${bytesMax} after truncation`,
  );
  return { bytes, truncated: true };
}

/**
 * What a rate limiter sends instead of a limited answer (BIND's "slip"): header, question and
 * OPT with TC set, no records, NOERROR and not authoritative, so it says nothing about the data
 * and is never larger than the query; a real client retries over TCP, which is not limited.
 */
export function encodeSlip(spec: ResponseSpec): Buffer {
  const packet = toPacket({
    ...spec,
    rcode: Rcode.NOERROR,
    authoritative: false,
    answers: [],
    authorities: [],
    additionals: [],
  });
  return dnsPacket.encode({ ...packet, flags: (packet.flags ?? 0) | dnsPacket.TRUNCATED_RESPONSE });
}

function toPacket(spec: ResponseSpec): dnsPacket.Packet {
  const flags =
    (spec.header.flags & (OPCODE_MASK | ECHOED_FLAGS)) |
    (spec.authoritative ? dnsPacket.AUTHORITATIVE_ANSWER : 0) |
    spec.rcode;
  return {
    type: 'response',
    id: spec.header.id,
    flags,
    questions: spec.question === undefined ? [] : [spec.question],
    answers: [...(spec.answers ?? [])],
    authorities: [...(spec.authorities ?? [])],
    additionals: [...(spec.additionals ?? []), ...optRecords(spec)],
  };
}

function optRecords(spec: ResponseSpec): dnsPacket.Answer[] {
  if (spec.opt === undefined) return [];
  return [
    {
      type: 'OPT',
      name: '.',
      udpPayloadSize: spec.opt.udpPayloadSize,
      extendedRcode: spec.opt.extendedRcode,
      ednsVersion: 0,
      flags: 0,
      flag_do: false,
      options: [],
    },
  ];
}
