import type { Instant } from '@trellis/runtime';
import type { CoreParts } from './core-parts.js';
import type { TimerKey } from './timers.js';

/**
 * Runs every timer due at `now`, each by the part that owns it. A timer that fires more than
 * `lateTimerThresholdMs` late means our own event loop was blocked: Lifeguard counts that
 * against our health rather than accusing peers.
 */
export function handleTimeout(p: CoreParts, now: Instant): void {
  const { timers, ctx } = p;
  const due = timers.due(now);
  // The gossip timer does not count: prompt rounds pull it forward, possibly into the past.
  const firstKey = due.find((key) => key !== 'gossip');
  const first = firstKey === undefined ? undefined : timers.get(firstKey);
  if (first !== undefined && now - first > ctx.config.lateTimerThresholdMs && ctx.config.lifeguard) {
    p.stats.lateTimers++;
    ctx.changeAwareness(1);
  }
  for (const key of due) {
    const at = timers.get(key);
    if (at === undefined || at > now) continue; // cleared or moved by an earlier timer
    fire(p, now, key, now - at);
  }
}

function fire(p: CoreParts, now: Instant, key: TimerKey, lateMs: number): void {
  if (typeof key !== 'string') {
    if (key.kind === 'suspect') return p.news.onSuspicionTimeout(now, key.id, lateMs);
    return p.prober.onRelayTimeout(now, key.seq);
  }
  switch (key) {
    case 'probe':
      p.prober.tick(now, lateMs);
      return p.unconfirmedProbes.tick(now);
    case 'probeTimeout':
      return p.prober.onProbeTimeout(now, lateMs);
    case 'gossip':
      return p.gossip.onGossip(now);
    case 'pushPull':
      return p.pushPull.onPushPull(now);
    case 'join':
      return p.joiner.onJoinTimer(now);
    case 'reconnect':
      return p.pushPull.onReconnect(now);
    case 'leave':
      return p.departure.finish();
    case 'merge':
      return p.antiEntropy.onMergeTimer(now);
    case 'sweep':
      p.timers.set('sweep', now + p.ctx.config.tombstoneSweepIntervalMs);
      p.ctx.table.collect(now);
      p.ctx.confirmations.prune();
      return;
  }
}
