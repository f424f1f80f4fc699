import { Rng } from '@trellis/runtime';
import { Swim, type SwimConfig, type SwimEvent } from '../../src/index.js';

interface Pending {
  at: number;
  seq: number;
  run: () => void;
}

/**
 * The smallest useful harness for Swim cores (quinn-proto's `Pair`, for N): a virtual clock,
 * 1 ms links, switches to drop datagrams or streams per node, and every event recorded.
 */
export class CoreNet {
  now = 1_000_000;
  readonly cores = new Map<string, Swim>();
  readonly events: { at: number; node: string; event: SwimEvent }[] = [];
  readonly udpDown = new Set<string>();
  readonly streamDown = new Set<string>();
  readonly bytes = { datagrams: 0, requests: 0 };
  #queue: Pending[] = [];
  #seq = 0;

  add(id: string, config: Partial<SwimConfig> = {}, seed = 1): Swim {
    const core = new Swim({ id, addr: `${id}:1`, now: this.now, rng: Rng.fromSeed(seed).fork(id), config });
    this.cores.set(`${id}:1`, core);
    return core;
  }

  /** Stops `id` dead: it neither sends nor answers, and requests to it time out. */
  crash(id: string): void {
    this.cores.delete(`${id}:1`);
  }

  core(id: string): Swim {
    return this.cores.get(`${id}:1`)!;
  }

  #at(at: number, run: () => void): void {
    this.#queue.push({ at, seq: this.#seq++, run });
  }

  /** Drains every core's output, then advances time event by event until `until`. */
  run(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      this.#flush();
      let next = this.#queue.reduce<Pending | undefined>(
        (a, p) => (a === undefined || p.at < a.at || (p.at === a.at && p.seq < a.seq) ? p : a),
        undefined,
      );
      const timeout = Math.min(...[...this.cores.values()].map((c) => c.pollTimeout() ?? Infinity));
      if (timeout < (next?.at ?? Infinity) && timeout <= until) {
        this.now = Math.max(this.now, timeout);
        for (const c of this.cores.values())
          if ((c.pollTimeout() ?? Infinity) <= this.now) c.handleTimeout(this.now);
        continue;
      }
      if (next === undefined || next.at > until) break;
      this.#queue = this.#queue.filter((p) => p !== next);
      this.now = Math.max(this.now, next.at);
      next.run();
      next = undefined;
    }
    this.now = until;
  }

  #flush(): void {
    for (const [addr, core] of this.cores) {
      const id = addr.slice(0, -2);
      for (let t = core.pollTransmit(); t !== undefined; t = core.pollTransmit()) {
        const to = this.cores.get(t.to);
        if (t.kind === 'datagram') {
          this.bytes.datagrams += 1;
          if (to === undefined || this.udpDown.has(t.to.slice(0, -2)) || this.udpDown.has(id)) continue;
          const msgs = structuredClone(t.msgs);
          this.#at(this.now + 1, () => {
            for (const m of msgs) to.handleMessage(this.now, addr, m);
          });
        } else {
          const { token, msg } = t;
          const down = to === undefined || this.streamDown.has(t.to.slice(0, -2)) || this.streamDown.has(id);
          this.#at(this.now + (down ? t.timeoutMs : 1), () => {
            if (down) return core.handleReply(this.now, token, undefined, 'ERR_TRELLIS_TIMEOUT');
            const reply = to.handleRequest(this.now, addr, structuredClone(msg));
            this.#at(this.now + 1, () => core.handleReply(this.now, token, structuredClone(reply)));
          });
        }
      }
      for (let e = core.pollEvent(); e !== undefined; e = core.pollEvent())
        this.events.push({ at: this.now, node: id, event: e });
    }
  }

  eventsOf(type: SwimEvent['type'], node?: string): SwimEvent[] {
    return this.events
      .filter((e) => e.event.type === type && (node === undefined || e.node === node))
      .map((e) => e.event);
  }
}
