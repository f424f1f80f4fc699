import type { Address, Instant } from '@trellis/runtime';
import type { MemberRecord } from '@trellis/membership';
import type { SwimContext } from './context.js';
import type { AckMessage, NackMessage, PingMessage, PingReqMessage } from './messages.js';
import { ProbeOrder } from './probe-order.js';
import { RoundTrip } from './round-trip.js';
import { relayTimer } from './timers.js';

interface Probe {
  readonly seq: number;
  readonly target: MemberRecord;
  readonly startedAt: Instant;
  acked: boolean;
  indirectSent: boolean;
  /** The target's host refused the stream probe's connection: nobody listens there. */
  streamFailed: boolean;
  nacks: number;
  expectedNacks: number;
}

interface Relay {
  readonly origin: Address;
  readonly originSeq: number;
  readonly wantNack: boolean;
}

const relaysMax = 1024;

/**
 * The probe cycle: one ping per (scaled) probe interval to the next member in randomized
 * round-robin order; silence until the (scaled) probe timeout brings ping-req through k peers,
 * which answer with nacks if the target stays silent to them too, plus a ping over the reliable
 * stream; silence until the end of the interval makes the target suspect. The probe timeout
 * follows measured round trips (RoundTrip). With Lifeguard, a probe whose every path has failed
 * (the stream refused and every helper nacked) concludes at once instead of at the interval's
 * end, and says the target is gone (News caps that suspicion at suspicionRefusedMs).
 */
export class Prober {
  readonly #ctx: SwimContext;
  readonly #order: ProbeOrder;
  #probe: Probe | undefined;
  readonly #relays = new Map<number, Relay>();
  readonly #roundTrip: RoundTrip;
  /** Called when a probe fails (`refused`: the target is gone): the news layer raises the suspicion. */
  readonly #onFailed: (now: Instant, target: MemberRecord, refused: boolean) => void;

  constructor(ctx: SwimContext, onFailed: (now: Instant, target: MemberRecord, refused: boolean) => void) {
    this.#ctx = ctx;
    this.#order = new ProbeOrder(ctx.rng.fork('probe-order'));
    this.#roundTrip = new RoundTrip(ctx.config.probeTimeoutMinMs, ctx.config.probeTimeoutMs);
    this.#onFailed = onFailed;
  }

  /** A member became alive: probe it in this round too. */
  add(id: string): void {
    this.#order.add(id);
  }

  /** Probe tick. `lateMs` is how late the tick fired: a large value means we were stalled. */
  tick(now: Instant, lateMs: number): void {
    const { config, timers, awareness } = this.#ctx;
    const stalled = config.lifeguard && lateMs > config.lateTimerThresholdMs;
    this.#finish(now, stalled);
    timers.set('probe', now + awareness.scale(config.probeIntervalMs));
    if (!this.#ctx.leaving) this.#start(now);
  }

  #start(now: Instant): void {
    const { table, selfId, config, timers, awareness } = this.#ctx;
    const candidate = (id: string): boolean => {
      const r = table.get(id);
      // Members nobody confirmed are verified apart (UnconfirmedProbes): they must not dilute
      // the round, and failing to reach them says nothing about our own health.
      const up = r !== undefined && id !== selfId && (r.status === 'alive' || r.status === 'suspect');
      return up && this.#ctx.confirmations.has(id);
    };
    const id = this.#order.next(candidate, () => table.alive().map((r) => r.id));
    if (id === undefined) return;
    const target = table.get(id)!;
    const seq = this.#ctx.nextSeq();
    this.#probe = {
      seq,
      target,
      startedAt: now,
      acked: false,
      indirectSent: false,
      streamFailed: false,
      nacks: 0,
      expectedNacks: 0,
    };
    this.#ctx.stats.probes++;
    const ping: PingMessage = { t: 'ping', seq, id, src: selfId };
    // Buddy system: a suspect hears of its suspicion on the very next ping, not by chance.
    const first =
      config.lifeguard && target.status === 'suspect' ? [this.#ctx.proofs.message(target, selfId)] : [];
    this.#ctx.send(target.addr, ping, first);
    timers.set('probeTimeout', now + awareness.scale(this.#roundTrip.timeoutMs));
  }

  /** The direct ack did not come in time: ask others, and try the stream. */
  onProbeTimeout(now: Instant, lateMs: number): void {
    const { config, timers, table, selfId, stats } = this.#ctx;
    timers.clear('probeTimeout');
    const p = this.#probe;
    if (p === undefined || p.acked || p.indirectSent) return;
    if (config.lifeguard && lateMs > config.lateTimerThresholdMs) {
      // We were stalled past the timeout: the ack may be waiting in our own socket buffer.
      // Give queued input a turn before judging the target.
      timers.set('probeTimeout', now + 1);
      return;
    }
    p.indirectSent = true;
    const helpers = this.#ctx.rng.sample(
      table
        .all()
        .filter(
          (r) =>
            r.status === 'alive' &&
            r.id !== selfId &&
            r.id !== p.target.id &&
            this.#ctx.confirmations.has(r.id),
        ),
      config.indirectChecks,
    );
    for (const h of helpers) {
      const req: PingReqMessage = {
        t: 'preq',
        seq: p.seq,
        id: p.target.id,
        ta: p.target.addr,
        src: selfId,
        nack: config.lifeguard,
      };
      this.#ctx.send(h.addr, req);
      stats.pingReqsSent++;
    }
    p.expectedNacks = config.lifeguard ? helpers.length : 0;
    if (config.streamProbe) this.#streamProbe(now, p);
  }

  #streamProbe(now: Instant, p: Probe): void {
    const { config, awareness, timers, stats } = this.#ctx;
    const deadline = timers.get('probe') ?? now + awareness.scale(config.probeIntervalMs);
    const timeoutMs = Math.max(1, deadline - now);
    stats.streamProbes++;
    this.#ctx.request(p.target.addr, { t: 'sping', id: p.target.id }, timeoutMs, (at, reply, error) => {
      if (this.#probe !== p) return;
      if (isAck(reply)) {
        stats.streamProbesAcked++;
        p.acked = true;
      } else if (error === 'ERR_TRELLIS_REFUSED') {
        p.streamFailed = true;
        this.#concludeEarly(at, p);
      }
    });
  }

  /**
   * Every path to the target has failed: suspect it now rather than at the interval's end. Needs
   * Lifeguard's nacks (the helpers heard us and did not hear the target either) and a refused
   * stream (the target's kernel answered that nobody listens). A stalled process's kernel still
   * accepts the connection, and a vanished host sends no reset: both are judged at the end.
   */
  #concludeEarly(now: Instant, p: Probe): void {
    if (this.#probe !== p || p.acked || !p.streamFailed) return;
    if (p.expectedNacks === 0 || p.nacks < p.expectedNacks) return;
    this.#ctx.stats.probesConcludedEarly++;
    this.#finish(now, false);
  }

  /** Ends the probe in flight at the end of its interval. */
  #finish(now: Instant, stalled: boolean): void {
    const p = this.#probe;
    this.#probe = undefined;
    this.#ctx.timers.clear('probeTimeout');
    if (p === undefined) return;
    if (p.acked) {
      this.#ctx.changeAwareness(-1);
      return;
    }
    if (stalled) {
      // Our tick fired late: we cannot tell a slow target from a slow self. Lifeguard says
      // assume it is us (the core has raised our awareness already) and accuse nobody.
      this.#ctx.stats.probesInconclusive++;
      return;
    }
    this.#ctx.stats.probesFailed++;
    // Missed nacks mean our own messages are not getting through: raise awareness per miss.
    this.#ctx.changeAwareness(p.expectedNacks > 0 ? Math.max(0, p.expectedNacks - p.nacks) : 1);
    const current = this.#ctx.table.get(p.target.id);
    // Gone: the stream was refused, and a helper's nack shows our own messages get through.
    // At the interval's end every nack that will come has come; one lost to loss is no doubt.
    if (current !== undefined && current.incarnation === p.target.incarnation)
      this.#onFailed(now, current, p.streamFailed && p.nacks > 0);
  }

  onPing(_now: Instant, from: Address, msg: PingMessage): void {
    if (msg.id !== this.#ctx.selfId) {
      this.#ctx.reject(from, 'misdirectedPing');
      return;
    }
    const ack: AckMessage = { t: 'ack', seq: msg.seq, src: this.#ctx.selfId };
    this.#ctx.send(from, ack);
  }

  onAck(now: Instant, _from: Address, msg: AckMessage): void {
    const p = this.#probe;
    if (p !== undefined && p.seq === msg.seq && msg.src === p.target.id) {
      // Pings are never resent, so an ack to our seq times exactly one round trip (no Karn).
      if (!p.acked) this.#roundTrip.sample(now - p.startedAt);
      p.acked = true;
      return;
    }
    const relay = this.#relays.get(msg.seq);
    if (relay !== undefined) {
      this.#relays.delete(msg.seq);
      this.#ctx.timers.clear(relayTimer(msg.seq));
      this.#ctx.send(relay.origin, { t: 'ack', seq: relay.originSeq, src: msg.src } satisfies AckMessage);
      return;
    }
  }

  onNack(now: Instant, _from: Address, msg: NackMessage): void {
    const p = this.#probe;
    if (p !== undefined && p.seq === msg.seq) {
      p.nacks++;
      this.#ctx.stats.nacksReceived++;
      if (p.indirectSent) this.#concludeEarly(now, p);
    }
  }

  /** Someone asks us to ping a target for them. */
  onPingReq(now: Instant, from: Address, msg: PingReqMessage): void {
    const { config, timers, awareness, stats, selfId } = this.#ctx;
    if (this.#relays.size >= relaysMax) {
      this.#ctx.reject(from, 'relayTableFull');
      return;
    }
    const seq = this.#ctx.nextSeq();
    this.#relays.set(seq, { origin: from, originSeq: msg.seq, wantNack: msg.nack });
    stats.pingReqsRelayed++;
    this.#ctx.send(msg.ta, {
      t: 'ping',
      seq,
      id: msg.id,
      src: selfId,
    } satisfies PingMessage);
    // Nack a bit before the requester gives up, so it arrives in time to count (memberlist: 80 %).
    // Not from our measured round trips: a relay that gave up sooner would drop the ack of a
    // target that is merely slow, a stalled one waking up (simulated: 2 false deaths of
    // stalled nodes with Lifeguard off, seed 1 of sim-lifeguard).
    timers.set(relayTimer(seq), now + Math.floor(awareness.scale(config.probeTimeoutMs) * 0.8));
  }

  onRelayTimeout(_now: Instant, seq: number): void {
    this.#ctx.timers.clear(relayTimer(seq));
    const relay = this.#relays.get(seq);
    if (relay === undefined) return;
    this.#relays.delete(seq);
    if (relay.wantNack) {
      this.#ctx.send(relay.origin, { t: 'nack', seq: relay.originSeq } satisfies NackMessage);
      this.#ctx.stats.nacksSent++;
    }
  }

  /** A stream ping: answer if it is for us. */
  onStreamPing(id: unknown): object {
    return id === this.#ctx.selfId
      ? { t: 'ack', seq: 0, src: this.#ctx.selfId }
      : { t: 'err', reason: 'misdirected' };
  }
}

function isAck(reply: unknown): boolean {
  return typeof reply === 'object' && reply !== null && (reply as { t?: unknown }).t === 'ack';
}
