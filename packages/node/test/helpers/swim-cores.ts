/**
 * Real swim cores on one virtual clock, with the test's hand on every transmit: nothing is
 * delivered unless the test delivers it, so each message on the wire is one the test chose to
 * look at (what the test does not deliver is lost, as on a lossy network).
 */
import { Rng, type Address } from '@trellis/runtime';
import { Swim, type SwimEvent, type Transmit } from '@trellis/swim';
import { UNIX_MS } from './wire-golden.js';

export interface Sent {
  readonly from: Address;
  readonly transmit: Transmit;
}

/** Node `n`'s address. */
export const addrOf = (n: number): Address => `10.0.0.${n}:7946`;

export class SwimCores {
  /** At the nodes' start: their incarnations, unix ms, are never ahead of the clock. */
  now = UNIX_MS;
  readonly #cores = new Map<Address, Swim>();

  /**
   * Node `id` at `addrOf(n)`, incarnation `UNIX_MS + n`, its own seed; 4 digest buckets instead
   * of 256 so the digest rounds fit a golden string (the bucket count is only an array length).
   */
  add(id: string, n: number, meta?: Uint8Array): Swim {
    const core = new Swim({
      id,
      addr: addrOf(n),
      incarnation: UNIX_MS + n,
      now: this.now,
      rng: Rng.fromSeed(n),
      profile: 'local',
      membership: { digestBuckets: 4 },
      ...(meta === undefined ? {} : { meta }),
    });
    this.#cores.set(addrOf(n), core);
    return core;
  }

  /**
   * Runs the cores' timers in time order until one sends what `want` accepts (transmits already
   * queued first); whatever else is sent meanwhile is dropped. Throws after `limitMs` of virtual time.
   */
  next(want: (sent: Sent) => boolean, limitMs = 60_000): Sent {
    const end = this.now + limitMs;
    for (;;) {
      for (const [from, core] of this.#cores)
        for (let transmit = core.pollTransmit(); transmit; transmit = core.pollTransmit())
          if (want({ from, transmit })) return { from, transmit };
      const at = Math.min(...[...this.#cores.values()].map((c) => c.pollTimeout() ?? Infinity));
      if (at > end) throw new Error(`nothing the test waits for was sent within ${limitMs} ms`);
      this.now = Math.max(this.now, at);
      for (const core of this.#cores.values())
        if ((core.pollTimeout() ?? Infinity) <= this.now) core.handleTimeout(this.now);
    }
  }

  /** The next request `from` sends whose message has type `t`. */
  request(from: Address, t: string): Extract<Transmit, { kind: 'request' }> {
    const sent = this.next(
      (s) => s.from === from && s.transmit.kind === 'request' && tOf(s.transmit.msg) === t,
    );
    return sent.transmit as Extract<Transmit, { kind: 'request' }>;
  }

  /** The first message of type `t` in the next datagram `from` sends that holds one. */
  datagramMessage(from: Address, t: string, and: (m: object) => boolean = () => true): object {
    const sent = this.next(
      (s) =>
        s.from === from &&
        s.transmit.kind === 'datagram' &&
        s.transmit.msgs.some((m) => tOf(m) === t && and(m)),
    );
    const msgs = (sent.transmit as Extract<Transmit, { kind: 'datagram' }>).msgs;
    return msgs.find((m) => tOf(m) === t && and(m))!;
  }
}

/** Every event `core` has queued, drained. */
export function events(core: Swim): SwimEvent[] {
  const out: SwimEvent[] = [];
  for (let e = core.pollEvent(); e !== undefined; e = core.pollEvent()) out.push(e);
  return out;
}

function tOf(msg: object): unknown {
  return (msg as { t?: unknown }).t;
}
