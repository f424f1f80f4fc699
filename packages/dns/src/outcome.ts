/**
 * What the answer layer made of one message. Peer mistakes never throw: they become an error
 * response or a drop, each with a reason that `DnsStats` counts.
 */

/** Messages not answered at all. */
export const dropReasons = [
  /** Shorter than a DNS header: there is no id to answer with. */
  'short',
  /**
   * A response (QR set). Answering it with FORMERR, as for other malformed queries, would let a
   * forged packet set two servers bouncing errors at each other forever, so it is dropped.
   */
  'response',
] as const;
export type DropReason = (typeof dropReasons)[number];

/** Queries answered with an error rcode (FORMERR, NOTIMP, REFUSED, BADVERS). */
export const errorReasons = [
  /** FORMERR: dns-packet could not decode the message past its header. */
  'undecodable',
  /** FORMERR: no question. */
  'no-question',
  /** FORMERR: more than one question (no server answers several, RFC 9619). */
  'several-questions',
  /** FORMERR: a question that does not survive re-encoding (odd class, dots or bad bytes in labels). */
  'unrepresentable-question',
  /** FORMERR: several OPT records, or OPT as the question type. */
  'bad-opt',
  /** NOTIMP: an opcode other than QUERY. */
  'opcode',
  /** NOTIMP: AXFR/IXFR; the zone changes every few seconds, secondaries would only lag. */
  'transfer',
  /** REFUSED: a class other than IN. */
  'class',
  /** REFUSED: a name outside the zone: we are authoritative only, never recursive. */
  'outside-zone',
  /** BADVERS: an EDNS version other than 0. */
  'edns-version',
] as const;
export type ErrorReason = (typeof errorReasons)[number];

/** Answers from the zone (AA set): records, NODATA or NXDOMAIN. */
export const answerKinds = ['answer', 'nodata', 'nxdomain'] as const;
export type AnswerKind = (typeof answerKinds)[number];

export type Outcome =
  | {
      readonly kind: 'reply';
      readonly response: Uint8Array;
      readonly result: AnswerKind | ErrorReason;
      /** Answers were left out to fit the size limit (TC set). */
      readonly truncated: boolean;
    }
  | { readonly kind: 'drop'; readonly reason: DropReason };
