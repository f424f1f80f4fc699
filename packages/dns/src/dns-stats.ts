import {
  type AnswerKind,
  type DropReason,
  type ErrorReason,
  type Outcome,
  answerKinds,
  errorReasons,
} from './outcome.js';

/** Socket-level events, counted (and logged) instead of thrown. */
export type SocketEventKind =
  /** The UDP socket reported an error. */
  | 'udp-socket'
  /** A UDP reply could not be sent. */
  | 'udp-send'
  /** The TCP listener reported an error. */
  | 'tcp-server'
  /** A TCP connection was reset or failed. */
  | 'tcp-socket'
  /** A connection was refused at accept: `tcpConnectionsMax` were open. */
  | 'tcp-limit'
  /** A connection was refused at accept: its address had `tcpConnectionsPerClientMax` open. */
  | 'tcp-client-limit'
  /** A connection was closed without a complete query for `tcpFirstQueryMs` (the first) or `tcpIdleMs`. */
  | 'tcp-idle'
  /** A length prefix shorter than a DNS header or longer than `tcpQueryBytesMax`: connection closed. */
  | 'tcp-bad-frame'
  /** A message we do not answer (a response) arrived over TCP: connection closed. */
  | 'tcp-dropped-message'
  /** The client did not read its replies and `tcpBacklogBytesMax` piled up: connection closed. */
  | 'tcp-backlog'
  /** A UDP worker process exited unasked (it is restarted a second later). */
  | 'worker-exit';

export interface DnsStats {
  queriesUdp: number;
  queriesTcp: number;
  /** Responses from the zone, by kind (all authoritative). */
  answers: Record<AnswerKind, number>;
  /** Error responses sent, by reason. */
  errors: Partial<Record<ErrorReason, number>>;
  /** Messages not answered, by reason. */
  drops: Partial<Record<DropReason, number>>;
  /** Responses sent with TC set (answers left out to fit). */
  truncated: number;
  /**
   * UDP responses over the rate limit, not counted in `answers` or `errors`: each was either
   * dropped or, one in `rrlSlip`, slipped.
   */
  limited: number;
  /** Limited responses sent as an empty TC answer instead, so a real client retries over TCP. */
  slipped: number;
  socket: Partial<Record<SocketEventKind, number>>;
  tcpConnectionsAccepted: number;
  tcpConnectionsActive: number;
  /** UDP answers sent from the answer cache, and those encoded afresh (then cached). */
  answerCacheHits: number;
  answerCacheMisses: number;
}

export function emptyDnsStats(): DnsStats {
  return {
    queriesUdp: 0,
    queriesTcp: 0,
    answers: { answer: 0, nodata: 0, nxdomain: 0 },
    errors: {},
    drops: {},
    truncated: 0,
    limited: 0,
    slipped: 0,
    socket: {},
    tcpConnectionsAccepted: 0,
    tcpConnectionsActive: 0,
    answerCacheHits: 0,
    answerCacheMisses: 0,
  };
}

export function countOutcome(stats: DnsStats, outcome: Outcome, via: 'udp' | 'tcp'): void {
  if (via === 'udp') stats.queriesUdp++;
  else stats.queriesTcp++;
  if (outcome.kind === 'drop') {
    stats.drops[outcome.reason] = (stats.drops[outcome.reason] ?? 0) + 1;
    return;
  }
  if (outcome.truncated) stats.truncated++;
  const result = outcome.result;
  if (isAnswerKind(result)) stats.answers[result]++;
  else stats.errors[result] = (stats.errors[result] ?? 0) + 1;
}

/** A UDP query whose response the rate limiter withheld (`slipped`: sent as TC instead). */
export function countLimited(stats: DnsStats, slipped: boolean): void {
  stats.queriesUdp++;
  stats.limited++;
  if (slipped) stats.slipped++;
}

function isAnswerKind(result: AnswerKind | ErrorReason): result is AnswerKind {
  return (answerKinds as readonly string[]).includes(result);
}

/** A deep copy, so callers can keep and compare snapshots. */
export function copyDnsStats(stats: DnsStats): DnsStats {
  return {
    ...stats,
    answers: { ...stats.answers },
    errors: { ...stats.errors },
    drops: { ...stats.drops },
    socket: { ...stats.socket },
  };
}

/** `total` with `part`'s counters added: a worker's into the server's. */
export function addDnsStats(total: DnsStats, part: DnsStats): void {
  total.queriesUdp += part.queriesUdp;
  total.queriesTcp += part.queriesTcp;
  for (const k of answerKinds) total.answers[k] += part.answers[k];
  addCounts(total.errors, part.errors);
  addCounts(total.drops, part.drops);
  addCounts(total.socket, part.socket);
  total.truncated += part.truncated;
  total.limited += part.limited;
  total.slipped += part.slipped;
  total.answerCacheHits += part.answerCacheHits;
  total.answerCacheMisses += part.answerCacheMisses;
}

function addCounts<K extends string>(
  total: Partial<Record<K, number>>,
  part: Partial<Record<K, number>>,
): void {
  for (const [k, n] of Object.entries(part) as [K, number][]) total[k] = (total[k] ?? 0) + n;
}

/** Every error response counted, all reasons together. */
export function errorCount(stats: DnsStats): number {
  return errorReasons.reduce((sum, r) => sum + (stats.errors[r] ?? 0), 0);
}
