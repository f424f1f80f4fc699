import * as dnsPacket from 'dns-packet';
import { asciiLower, relativeName, withoutRootDot } from './dns-name.js';
import type { AnswerKind, DropReason, ErrorReason, Outcome } from './outcome.js';
import { type DecodedMessage, type QueryHeader, peekHeader } from './query-header.js';
import {
  CLASSIC_UDP_BYTES,
  Rcode,
  type ResponseSpec,
  type SizeLimit,
  encodeResponse,
  encodeSlip,
} from './response.js';
import type { TaskZone } from './task-zone.js';
import { zoneRecords } from './zone-records.js';

export interface AnswerOptions {
  readonly via: 'udp' | 'tcp';
  /** The most we send over UDP to an EDNS0 client, whatever it offers (config `udpPayloadMax`). */
  readonly udpPayloadMax: number;
}

/**
 * A response decided but not yet encoded, so that a rate limiter can look at it first and skip
 * the encoding when it sends nothing. `rateClass` is what it is charged to, as in BIND: answers
 * per name and type, NODATA per name, every NXDOMAIN of the zone together (random names must not
 * each get a fresh account), every error together.
 */
export type PreparedAnswer =
  | { readonly kind: 'drop'; readonly reason: DropReason }
  | {
      readonly kind: 'reply';
      readonly spec: ResponseSpec;
      readonly limit: SizeLimit;
      readonly result: AnswerKind | ErrorReason;
      readonly rateClass: string;
    };

/** RFC 6891: BADVERS is rcode 16, sent as 1 in the OPT's extended rcode (its upper 8 bits). */
const BADVERS_EXTENDED = 1;

type Opt = { readonly udpPayloadSize: number; readonly extendedRcode: number } | undefined;

/**
 * Answers one DNS message from the zone: pure, no sockets, no clock. The one place where peer
 * input is judged: nothing here throws on any bytes; the result is a response to send or a drop,
 * each with a reason to count.
 */
export function answerQuery(zone: TaskZone, message: Uint8Array, options: AnswerOptions): Outcome {
  return finishAnswer(prepareAnswer(zone, message, options));
}

/** Encodes a prepared answer in full (truncated only to fit its size limit). */
export function finishAnswer(prepared: PreparedAnswer): Outcome {
  if (prepared.kind === 'drop') return prepared;
  const { bytes, truncated } = encodeResponse(prepared.spec, prepared.limit);
  return { kind: 'reply', response: bytes, result: prepared.result, truncated };
}

/** The rate limiter's truncated stand-in for a prepared answer: header, question, OPT, TC. */
export function slipAnswer(prepared: PreparedAnswer & { kind: 'reply' }): Uint8Array {
  return encodeSlip(prepared.spec);
}

/** Everything `answerQuery` does but the encoding. */
export function prepareAnswer(zone: TaskZone, message: Uint8Array, options: AnswerOptions): PreparedAnswer {
  const header = peekHeader(message);
  if (header === undefined) return { kind: 'drop', reason: 'short' };
  if (header.isResponse) return { kind: 'drop', reason: 'response' };
  let query: DecodedMessage;
  try {
    query = dnsPacket.decode(
      Buffer.from(message.buffer, message.byteOffset, message.length),
    ) as DecodedMessage;
  } catch {
    return refuse(header, Rcode.FORMERR, 'undecodable', undefined, undefined, options);
  }
  const opts = (query.additionals ?? []).filter((r): r is dnsPacket.OptAnswer => r.type === 'OPT');
  if (opts.length > 1) return refuse(header, Rcode.FORMERR, 'bad-opt', undefined, undefined, options);
  const clientOpt = opts[0];
  const opt: Opt = clientOpt && { udpPayloadSize: options.udpPayloadMax, extendedRcode: 0 };
  const limit: SizeLimit =
    options.via === 'tcp'
      ? { via: 'tcp' }
      : {
          via: 'udp',
          bytesMax: clientOpt
            ? Math.max(CLASSIC_UDP_BYTES, Math.min(clientOpt.udpPayloadSize, options.udpPayloadMax))
            : CLASSIC_UDP_BYTES,
        };

  const questions = query.questions ?? [];
  const question = questions[0];
  if (question === undefined) return refuse(header, Rcode.FORMERR, 'no-question', undefined, opt, options);
  if (questions.length > 1)
    return refuse(header, Rcode.FORMERR, 'several-questions', undefined, opt, options);
  if (!echoesFaithfully(message, question))
    return refuse(header, Rcode.FORMERR, 'unrepresentable-question', undefined, opt, options);
  if (header.opcode !== 'QUERY') return refuse(header, Rcode.NOTIMP, 'opcode', question, opt, options);
  if (clientOpt?.ednsVersion !== undefined && clientOpt.ednsVersion !== 0) {
    const badvers = { udpPayloadSize: options.udpPayloadMax, extendedRcode: BADVERS_EXTENDED };
    return refuse(header, Rcode.NOERROR, 'edns-version', question, badvers, options);
  }
  if (question.type === 'OPT') return refuse(header, Rcode.FORMERR, 'bad-opt', question, opt, options);
  if (question.class !== 'IN') return refuse(header, Rcode.REFUSED, 'class', question, opt, options);
  if (question.type === 'AXFR' || question.type === 'IXFR')
    return refuse(header, Rcode.NOTIMP, 'transfer', question, opt, options);

  const relative = relativeName(asciiLower(withoutRootDot(question.name)), zone.settings.zone);
  if (relative === undefined) return refuse(header, Rcode.REFUSED, 'outside-zone', question, opt, options);
  // RFC 8482: over UDP, where the source is unproven, ANY gets one small record, not everything.
  const found = zoneRecords(zone, relative, question, options.via === 'udp');
  const result: AnswerKind = found.kind;
  const spec: ResponseSpec = {
    header,
    rcode: result === 'nxdomain' ? Rcode.NXDOMAIN : Rcode.NOERROR,
    authoritative: true,
    question,
    answers: found.answers,
    authorities: found.authorities,
    additionals: found.additionals,
    opt,
  };
  // A NODATA answer holds no record of the type asked, so it is charged per name alone (as BIND
  // does): per type, 65,536 of them would each open a fresh account for the same reply.
  const rateClass =
    result === 'nxdomain'
      ? 'nxdomain'
      : result === 'nodata'
        ? `nodata/${relative}`
        : `${result}/${question.type}/${relative}`;
  return { kind: 'reply', spec, limit, result, rateClass };
}

/** An error response: never authoritative, never with records, so it always fits in 512 bytes. */
function refuse(
  header: QueryHeader,
  rcode: number,
  reason: ErrorReason,
  question: dnsPacket.Question | undefined,
  opt: Opt,
  options: AnswerOptions,
): PreparedAnswer {
  const spec = { header, rcode, authoritative: false, question, opt };
  const limit: SizeLimit =
    options.via === 'tcp' ? { via: 'tcp' } : { via: 'udp', bytesMax: CLASSIC_UDP_BYTES };
  return { kind: 'reply', spec, limit, result: reason, rateClass: 'error' };
}

/**
 * dns-packet turns names into dotted text and types and classes into words; some questions do
 * not come back the same (a label holding a dot or invalid UTF-8, a class it has no word for).
 * A response must repeat the question byte for byte or the client discards it, so the question
 * is re-encoded and compared with what was received (the first question starts after the
 * 12-byte header; names there cannot be compressed, there is nothing before them to point at).
 */
function echoesFaithfully(message: Uint8Array, question: dnsPacket.Question): boolean {
  let encoded: Buffer;
  try {
    encoded = dnsPacket.encode({ questions: [question] });
  } catch {
    return false;
  }
  const HEADER = 12;
  if (message.length < encoded.length) return false;
  return Buffer.compare(encoded.subarray(HEADER), message.subarray(HEADER, encoded.length)) === 0;
}
