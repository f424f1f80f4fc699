/** Counters kept by the core. Plain numbers, cheap to copy. */
export interface SwimStats {
  probes: number;
  probesFailed: number;
  /** Probes abandoned because our own timer fired late: we were the slow one. */
  probesInconclusive: number;
  /** Failed probes concluded before the interval ended: every path to the target had failed. */
  probesConcludedEarly: number;
  pingReqsSent: number;
  pingReqsRelayed: number;
  nacksSent: number;
  nacksReceived: number;
  streamProbes: number;
  streamProbesAcked: number;
  suspicionsRaised: number;
  confirmations: number;
  deathsDeclared: number;
  refutations: number;
  /** Refutations sent straight to an accuser (Lifeguard on). */
  directRefutations: number;
  gossipPackets: number;
  pushPulls: number;
  reconnects: number;
  /** Push-pulls with a member that came back from the dead (a healed partition). */
  returnSyncs: number;
  pushPullBytesEstimated: number;
  joinAttempts: number;
  eventsDropped: number;
  lateTimers: number;
  /** Live member records about our id with another address (each one; events are rate-limited). */
  conflicts: number;
  /** Verification pings to members nobody confirmed, and suspicions they led to. */
  unconfirmedPings: number;
  unconfirmedSuspected: number;
  /** Unknown pingers challenged, synced with after a valid ack, refused by a token bucket. */
  learnChallenges: number;
  learnSyncs: number;
  learnLimited: number;
  /**
   * Identity on: records set aside because gossip carried them by reference (a certificate we
   * do not hold, or an unsigned alive record new to us), queries sent for them, records sent in
   * answer to such queries, and answers the rate limit held back.
   */
  certificateMisses: number;
  certificateQueries: number;
  certificateAnswers: number;
  certificateAnswersLimited: number;
  rejected: Record<string, number>;
}

export function emptySwimStats(): SwimStats {
  return {
    probes: 0,
    probesFailed: 0,
    probesInconclusive: 0,
    probesConcludedEarly: 0,
    pingReqsSent: 0,
    pingReqsRelayed: 0,
    nacksSent: 0,
    nacksReceived: 0,
    streamProbes: 0,
    streamProbesAcked: 0,
    suspicionsRaised: 0,
    confirmations: 0,
    deathsDeclared: 0,
    refutations: 0,
    directRefutations: 0,
    gossipPackets: 0,
    pushPulls: 0,
    reconnects: 0,
    returnSyncs: 0,
    pushPullBytesEstimated: 0,
    joinAttempts: 0,
    eventsDropped: 0,
    lateTimers: 0,
    conflicts: 0,
    unconfirmedPings: 0,
    unconfirmedSuspected: 0,
    learnChallenges: 0,
    learnSyncs: 0,
    learnLimited: 0,
    certificateMisses: 0,
    certificateQueries: 0,
    certificateAnswers: 0,
    certificateAnswersLimited: 0,
    rejected: {},
  };
}
