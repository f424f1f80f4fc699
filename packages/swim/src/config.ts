import { ConfigProblems, type DurationMs } from '@trellis/runtime';

/**
 * Every knob of the failure detector. Defaults are memberlist's LAN numbers (ANCHORS.md); the
 * WAN and LOCAL presets change only what differs, with the reason beside each number.
 */
export interface SwimConfig {
  /** Time between failure probes; scaled by local health (awareness). */
  readonly probeIntervalMs: DurationMs;
  /**
   * The longest wait for a direct ack before asking others, and the wait until an ack has been
   * timed; scaled by awareness (Lifeguard). The wait itself follows measured round trips.
   */
  readonly probeTimeoutMs: DurationMs;
  /** The shortest wait for a direct ack, however fast acks come back. */
  readonly probeTimeoutMinMs: DurationMs;
  /** Peers asked to ping-req a silent target. */
  readonly indirectChecks: number;
  /** Gossip tick: piggyback pending broadcasts on packets to a few random members. */
  readonly gossipIntervalMs: DurationMs;
  /**
   * Fresh news goes out this long after the previous gossip round, instead of waiting for the
   * next regular one (at least gossipIntervalMs: off). Idle nodes send nothing more.
   */
  readonly gossipPromptMs: DurationMs;
  readonly gossipNodes: number;
  /** Keep gossiping to a dead member this long, so it learns of its death and can refute. */
  readonly gossipToTheDeadMs: DurationMs;
  /** Retransmit limit = max(retransmitMult x ceil(log10(N + 1)), ceil(ln(1000 N))): see BroadcastQueue. */
  readonly retransmitMult: number;
  /** Suspicion min = suspicionMult x max(1, log10 N) x probeInterval. */
  readonly suspicionMult: number;
  /**
   * Independent confirmations (Lifeguard's K) that shrink a suspicion from max to min
   * (memberlist derives it as suspicionMult - 2). A suspicion expects
   * k = min(K, max(0, N - 2)) of them, N counting alive and suspect members with self: the
   * suspect and we cannot confirm. k = 0 is a fixed timeout of min.
   */
  readonly suspicionConfirmations: number;
  /** Suspicion max = suspicionMaxTimeoutMult x min (Lifeguard's dynamic suspicion). */
  readonly suspicionMaxTimeoutMult: number;
  /**
   * Lifeguard on: how long our suspicion lasts when our own probe found the target gone, its
   * host refusing the stream while every helper nacked, instead of the dynamic timeout above.
   * A refusal is the target's kernel answering, not silence: a stalled or slow process, or a
   * slow accuser, cannot produce one; so this waits for no refutation, only for stragglers.
   */
  readonly suspicionRefusedMs: DurationMs;
  /** Push-pull anti-entropy period; grows with cluster size above 32 members. 0 disables it. */
  readonly pushPullIntervalMs: DurationMs;
  /**
   * Push-pull with one random dead member this often, so the two sides of a healed partition
   * find each other again (Serf's reconnect). 0 disables it.
   */
  readonly reconnectIntervalMs: DurationMs;
  /** While more than backlogThreshold news items wait, push-pull this often (0: never). */
  readonly backlogPushPullMs: DurationMs;
  readonly backlogThreshold: number;
  /** Local health score ceiling: the probe interval and timeout are multiplied by score + 1. */
  readonly awarenessMax: number;
  /** UDP payload budget for a compound packet, before encryption overhead. */
  readonly packetBudgetBytes: number;
  /** Lifeguard on: local health, dynamic suspicion, nacks, buddy system, late-timer awareness. */
  readonly lifeguard: boolean;
  /** A timer firing this late means we are the slow one (event loop stalled). */
  readonly lateTimerThresholdMs: DurationMs;
  /** Probe over the reliable stream in parallel with ping-req (memberlist's TCP fallback). */
  readonly streamProbe: boolean;
  /** Timeout for push-pull and join requests over the stream. */
  readonly streamTimeoutMs: DurationMs;
  /** Join: first retry delay, doubled each round up to the max. */
  readonly joinRetryBaseMs: DurationMs;
  readonly joinRetryMaxMs: DurationMs;
  /** Join attempts before giving up with `joinFailed`; 0 retries forever. */
  readonly joinAttemptsMax: number;
  /** Pending broadcasts kept at most; past it the most-sent ones are dropped. */
  readonly broadcastQueueMax: number;
  /** Share of each packet's piggyback budget reserved for membership news when others wait. */
  readonly membershipShare: number;
  /** Events waiting for pollEvent at most; past it the oldest are dropped and counted. */
  readonly eventQueueMax: number;
  /** Collect tombstones (dead/left records past their lifetime) this often. */
  readonly tombstoneSweepIntervalMs: DurationMs;
  /**
   * Live members nobody confirmed (learned from third-party gossip or requests) held at most;
   * past it such records are dropped (`member:unconfirmedFull`). Joins are not throttled: the
   * seed's reply vouches for its members.
   */
  readonly unconfirmedMembersMax: number;
  /** Verification pings to unconfirmed members per probe interval. */
  readonly unconfirmedPingsPerInterval: number;
  /** Syncs with unknown pingers (after their ack to our challenge): bucket size and refill. */
  readonly learnSyncBurst: number;
  readonly learnSyncRefillMs: DurationMs;
}

const lan: SwimConfig = Object.freeze({
  probeIntervalMs: 1000,
  probeTimeoutMs: 500,
  // A LAN round trip is well under 1 ms; 50 ms leaves room for a busy event loop.
  probeTimeoutMinMs: 50,
  indirectChecks: 3,
  gossipIntervalMs: 200,
  gossipPromptMs: 30,
  gossipNodes: 3,
  gossipToTheDeadMs: 30_000,
  retransmitMult: 4,
  // memberlist: 4 and 2. With Lifeguard, the short timeout needs more independent accusers:
  // 3 x log10 N after 3 confirmations detects a dead node about 20 % sooner (simulated, 16 to
  // 128 nodes), while a lone or slow accuser still waits 6 x that (bench/README.md).
  suspicionMult: 3,
  suspicionConfirmations: 3,
  suspicionMaxTimeoutMult: 6,
  // One probe interval: any ack or refutation in flight has long arrived; then dead.
  suspicionRefusedMs: 1000,
  pushPullIntervalMs: 30_000,
  reconnectIntervalMs: 10_000,
  backlogPushPullMs: 1000,
  backlogThreshold: 64,
  awarenessMax: 8,
  packetBudgetBytes: 1400,
  lifeguard: true,
  lateTimerThresholdMs: 250,
  streamProbe: true,
  streamTimeoutMs: 10_000,
  joinRetryBaseMs: 1000,
  joinRetryMaxMs: 30_000,
  joinAttemptsMax: 5,
  broadcastQueueMax: 4096,
  membershipShare: 0.5,
  eventQueueMax: 100_000,
  tombstoneSweepIntervalMs: 60_000,
  unconfirmedMembersMax: 1024,
  // A node joining a booting cluster learns most members as hearsay; until it has verified
  // them its suspicion timeouts are sized for fewer members. 16 bare pings a second verify
  // 100 members in about 6 s (2: 99 deaths of a node stalled 5 s, seed 1 of sim-lifeguard).
  unconfirmedPingsPerInterval: 16,
  learnSyncBurst: 4,
  learnSyncRefillMs: 2000,
});

const wan: SwimConfig = Object.freeze({
  ...lan,
  probeIntervalMs: 5000, // round trips across regions are hundreds of ms
  probeTimeoutMs: 3000,
  probeTimeoutMinMs: 500, // round trips vary by hundreds of ms across regions
  gossipIntervalMs: 500, // fewer, larger packets: WAN links are costlier
  gossipPromptMs: 100,
  gossipNodes: 4,
  gossipToTheDeadMs: 60_000,
  suspicionMult: 6, // partial partitions are common: be patient
  suspicionConfirmations: 4,
  suspicionRefusedMs: 5000, // one probe interval, as on LAN
  pushPullIntervalMs: 60_000,
  reconnectIntervalMs: 30_000,
  lateTimerThresholdMs: 1500,
  streamTimeoutMs: 30_000,
  learnSyncRefillMs: 10_000,
});

const local: SwimConfig = Object.freeze({
  ...lan,
  probeTimeoutMs: 200, // loopback answers in microseconds
  indirectChecks: 1,
  gossipIntervalMs: 100,
  gossipPromptMs: 20,
  gossipToTheDeadMs: 15_000,
  retransmitMult: 2,
  suspicionMult: 3,
  suspicionConfirmations: 1,
  pushPullIntervalMs: 15_000,
  lateTimerThresholdMs: 100,
  streamTimeoutMs: 5000,
});

export type SwimProfile = 'lan' | 'wan' | 'local';

export const swimProfiles: Readonly<Record<SwimProfile, SwimConfig>> = Object.freeze({ lan, wan, local });

/** Validates a partial config over a profile, reporting every problem at once (ConfigError). */
export function parseSwimConfig(input: Partial<SwimConfig> = {}, profile: SwimProfile = 'lan'): SwimConfig {
  const base = swimProfiles[profile] as SwimConfig | undefined;
  const p = new ConfigProblems();
  if (base === undefined) {
    p.add('profile', `must be one of lan, wan, local, got ${JSON.stringify(profile)}`);
    p.throwIfAny('swim config');
  }
  const c: SwimConfig = { ...base!, ...input };
  const ms = (k: keyof SwimConfig, min: number, max = 86_400_000) => p.integer(k, c[k], min, max);
  ms('probeIntervalMs', 10);
  ms('probeTimeoutMs', 1);
  ms('probeTimeoutMinMs', 1);
  p.integer('indirectChecks', c.indirectChecks, 0, 16);
  ms('gossipIntervalMs', 1);
  ms('gossipPromptMs', 1);
  p.integer('gossipNodes', c.gossipNodes, 0, 64);
  ms('gossipToTheDeadMs', 0);
  p.integer('retransmitMult', c.retransmitMult, 1, 64);
  p.integer('suspicionMult', c.suspicionMult, 1, 64);
  p.integer('suspicionConfirmations', c.suspicionConfirmations, 0, 64);
  p.integer('suspicionMaxTimeoutMult', c.suspicionMaxTimeoutMult, 1, 64);
  ms('suspicionRefusedMs', 1);
  ms('pushPullIntervalMs', 0);
  ms('reconnectIntervalMs', 0);
  ms('backlogPushPullMs', 0);
  p.integer('backlogThreshold', c.backlogThreshold, 1, 1_000_000);
  p.integer('awarenessMax', c.awarenessMax, 1, 64);
  p.integer('packetBudgetBytes', c.packetBudgetBytes, 256, 65_000);
  p.boolean('lifeguard', c.lifeguard);
  ms('lateTimerThresholdMs', 1);
  p.boolean('streamProbe', c.streamProbe);
  ms('streamTimeoutMs', 1);
  ms('joinRetryBaseMs', 1);
  ms('joinRetryMaxMs', 1);
  p.integer('joinAttemptsMax', c.joinAttemptsMax, 0, 1000);
  p.integer('broadcastQueueMax', c.broadcastQueueMax, 1, 1_000_000);
  p.number('membershipShare', c.membershipShare, 0.05, 1);
  p.integer('eventQueueMax', c.eventQueueMax, 1, 10_000_000);
  ms('tombstoneSweepIntervalMs', 1);
  p.integer('unconfirmedMembersMax', c.unconfirmedMembersMax, 0, 1_000_000);
  p.integer('unconfirmedPingsPerInterval', c.unconfirmedPingsPerInterval, 1, 64);
  p.integer('learnSyncBurst', c.learnSyncBurst, 1, 1000);
  ms('learnSyncRefillMs', 1);
  if (typeof c.probeTimeoutMs === 'number' && typeof c.probeIntervalMs === 'number') {
    if (c.probeTimeoutMs >= c.probeIntervalMs) {
      p.add(
        'probeTimeoutMs',
        `must be less than probeIntervalMs (${c.probeIntervalMs}), got ${c.probeTimeoutMs}`,
      );
    }
  }
  if (typeof c.probeTimeoutMinMs === 'number' && c.probeTimeoutMinMs > c.probeTimeoutMs) {
    p.add(
      'probeTimeoutMinMs',
      `must be at most probeTimeoutMs (${c.probeTimeoutMs}), got ${c.probeTimeoutMinMs}`,
    );
  }
  if (typeof c.joinRetryMaxMs === 'number' && c.joinRetryMaxMs < c.joinRetryBaseMs) {
    p.add('joinRetryMaxMs', `must be at least joinRetryBaseMs (${c.joinRetryBaseMs})`);
  }
  for (const key of Object.keys(input)) {
    if (!Object.hasOwn(lan, key)) p.add(key, 'is not a swim setting');
  }
  p.throwIfAny('swim config');
  return Object.freeze(c);
}
