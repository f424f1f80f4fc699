import type { Address, Instant, Logger, RecordSigning, Rng } from '@trellis/runtime';
import type { MemberTable } from '@trellis/membership';
import { AntiEntropy } from './anti-entropy.js';
import type { AntiEntropySection } from './anti-entropy-section.js';
import { Awareness } from './awareness.js';
import { BroadcastQueue } from './broadcast-queue.js';
import type { SwimConfig } from './config.js';
import { CertificateQueries } from './certificate-queries.js';
import { Confirmations } from './confirmations.js';
import { confirmedRecords, unconfirmedRecords } from './confirmed-records.js';
import { createContext, type SwimContext } from './context.js';
import { Departure } from './departure.js';
import type { SwimEvent } from './events.js';
import { GossipRounds } from './gossip-rounds.js';
import { Inbox } from './inbox.js';
import { Joiner } from './joiner.js';
import { LiveSet } from './live-set.js';
import { MemberAdmission } from './member-admission.js';
import { membershipSection } from './membership-section.js';
import { MemberProofs } from './member-proofs.js';
import { News, membershipClass } from './news.js';
import { Outbox } from './outbox.js';
import { Prober } from './prober.js';
import { PushPullRounds } from './push-pull-rounds.js';
import { emptySwimStats, type SwimStats } from './stats.js';
import { Timers } from './timers.js';
import { UnconfirmedProbes } from './unconfirmed-probes.js';

/** What the parts of a core are built from. */
export interface CoreInputs {
  readonly config: SwimConfig;
  readonly table: MemberTable;
  readonly rng: Rng;
  readonly log: Logger;
  readonly now: Instant;
  readonly budgetBytes: number;
  readonly broadcastClasses: Readonly<Record<string, number>>;
  readonly signing: RecordSigning;
}

/** The parts of one core; `Swim` is the public face over them. */
export interface CoreParts {
  readonly ctx: SwimContext;
  readonly timers: Timers;
  readonly stats: SwimStats;
  readonly queue: BroadcastQueue;
  readonly outbox: Outbox;
  readonly awareness: Awareness;
  readonly live: LiveSet;
  readonly departure: Departure;
  readonly news: News;
  readonly prober: Prober;
  readonly unconfirmedProbes: UnconfirmedProbes;
  readonly queries: CertificateQueries;
  readonly sections: Map<string, AntiEntropySection>;
  readonly antiEntropy: AntiEntropy;
  readonly pushPull: PushPullRounds;
  readonly gossip: GossipRounds;
  readonly joiner: Joiner;
  readonly inbox: Inbox;
}

type Foundation = Pick<
  CoreParts,
  'ctx' | 'timers' | 'stats' | 'queue' | 'outbox' | 'awareness' | 'live' | 'departure'
>;

/** Wires the parts of a core together; the parts hold no reference to `Swim` itself. */
export function assembleCore(inputs: CoreInputs): CoreParts {
  // Parts built later are reached through closures, which run only once the core is assembled.
  const base = foundation(
    inputs,
    () => gossip.promptly(),
    (id) => {
      live.confirm(id);
      prober.add(id);
      news.relayConfirmed(id);
    },
  );
  const { ctx, live, outbox, departure } = base;
  const { confirmations } = ctx;
  const queries = new CertificateQueries(ctx);
  const news = new News(
    ctx,
    {
      up: (id) => {
        if (!live.add(id, confirmations.has(id))) return;
        confirmations.up(id);
        // Into the probe round once confirmed (now, or when `onConfirmed` runs), not twice.
        if (confirmations.has(id)) prober.add(id);
      },
      down: (id) => {
        live.remove(id);
        confirmations.down(id);
      },
      returned: (now, id) => pushPull.syncWithReturned(now, id),
    },
    queries,
  );
  const prober = new Prober(ctx, (now, target, refused) => news.suspectLocally(now, target, refused));
  const unconfirmedProbes = new UnconfirmedProbes(ctx, (now, target) => news.suspectLocally(now, target));
  const admission = new MemberAdmission(ctx, news);
  const members = membershipSection(
    inputs.table,
    ctx.proofs,
    (now, from, msg) => admission.onMember(now, from, msg, 'exchange'),
    (from: Address, reason) => outbox.reject(from, reason),
  );
  const section = confirmedRecords(members, confirmations);
  const sections = new Map<string, AntiEntropySection>([[section.name, section]]);
  const antiEntropy = new AntiEntropy(ctx, sections, unconfirmedRecords(members, confirmations));
  const pushPull = new PushPullRounds(ctx, live, antiEntropy);
  const syncWithRandomPeer = (now: Instant, done: () => void) => pushPull.syncWithRandomPeer(now, done);
  const onLeaveGossiped = () => departure.finish();
  const gossip = new GossipRounds(
    ctx,
    { live, news, outbox, syncWithRandomPeer, onLeaveGossiped },
    inputs.now,
  );
  const joiner = new Joiner(ctx, antiEntropy, () =>
    // The seed gossips our arrival; so do we, which halves the time to reach everyone.
    news.announceSelf({ previous: undefined, current: inputs.table.self() }),
  );
  const inbox = new Inbox(ctx, { prober, admission, antiEntropy, pushPull, queries });
  return {
    ...base,
    news,
    prober,
    unconfirmedProbes,
    queries,
    sections,
    antiEntropy,
    pushPull,
    gossip,
    joiner,
    inbox,
  };
}

/** The state every part shares: timers, counters, the broadcast queue, outbox and context. */
function foundation(
  inputs: CoreInputs,
  onEnqueue: () => void,
  onConfirmed: (id: string) => void,
): Foundation {
  const { config, table } = inputs;
  const timers = new Timers();
  const stats = emptySwimStats();
  // Shares are relative to the classes with news waiting, so membership's share matters only
  // once another class exists: it is membershipShare whether that class comes now or later.
  const queue = new BroadcastQueue({
    retransmitMult: config.retransmitMult,
    queueMax: config.broadcastQueueMax,
    itemBytesMax: Outbox.itemBytesMax(inputs.budgetBytes),
    shares: { [membershipClass]: config.membershipShare },
    onEnqueue,
  });
  for (const [cls, share] of Object.entries(inputs.broadcastClasses)) queue.addClass(cls, share);
  const live = new LiveSet();
  const emit = (e: SwimEvent) => outbox.emit(e);
  const departure: Departure = new Departure({
    config,
    timers,
    queue,
    emit,
    clusterSize: () => knownSize(),
  });
  const confirmations = new Confirmations(table, onConfirmed);
  // Unconfirmed members (possibly forged) must not stretch suspicion timeouts; news, though, is
  // retransmitted for every member we hold: during a join most are not confirmed yet, and news
  // sent too few times misses some until the next push-pull. Fakes cost retransmits, no more.
  const knownSize = (): number => live.size + (departure.leaving ? 0 : 1);
  const clusterSize = (): number => knownSize() - confirmations.unconfirmedLive;
  const outbox = new Outbox({
    queue,
    budgetBytes: inputs.budgetBytes,
    eventQueueMax: config.eventQueueMax,
    stats,
    clusterSize: knownSize,
  });
  const awareness = new Awareness(config.awarenessMax);
  const leaving = () => departure.leaving;
  const { rng, log } = inputs;
  const ctx = createContext({
    config,
    rng,
    log,
    table,
    awareness,
    queue,
    timers,
    stats,
    outbox,
    proofs: new MemberProofs(inputs.signing, table.selfId, table),
    confirmations,
    clusterSize,
    leaving,
  });
  return { ctx, timers, stats, queue, outbox, awareness, live, departure };
}
