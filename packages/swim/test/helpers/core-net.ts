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
  /** Nodes whose process is gone but whose host is up: streams to them are refused at once. */
  readonly refused = new Set<string>();
  /** Live nodes that accept a stream and close it unanswered (as at their stream limit). */
  readonly resetting = new Set<string>();
  /** Stalled nodes: no timers run, and what reaches them waits here until `wake`. */
  readonly #stalled = new Map<string, (() => void)[]>();
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

  /** Ends `id`'s process on a live host: like crash, but a stream to it is refused (a closed port). */
  kill(id: string): void {
    this.crash(id);
    this.refused.add(id);
  }

  /** Freezes `id` like a blocked event loop: its timers stop and its input queues. */
  stall(id: string): void {
    this.#stalled.set(id, []);
  }

  /** Ends a stall as Node.js does: the overdue timers run first, then the queued input. */
  wake(id: string): void {
    const held = this.#stalled.get(id) ?? [];
    this.#stalled.delete(id);
    const core = this.core(id);
    if ((core.pollTimeout() ?? Infinity) <= this.now) core.handleTimeout(this.now);
    for (const run of held) run();
  }

  /** Runs `run` now, or when `id` wakes if it is stalled. */
  #deliver(id: string, run: () => void): void {
    const held = this.#stalled.get(id);
    if (held === undefined) run();
    else held.push(run);
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
      const awake = [...this.cores].filter(([addr]) => !this.#stalled.has(addr.slice(0, -2)));
      const timeout = Math.min(...awake.map(([, c]) => c.pollTimeout() ?? Infinity));
      if (timeout < (next?.at ?? Infinity) && timeout <= until) {
        this.now = Math.max(this.now, timeout);
        for (const [, c] of awake) if ((c.pollTimeout() ?? Infinity) <= this.now) c.handleTimeout(this.now);
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
          const toId = t.to.slice(0, -2);
          this.#at(this.now + 1, () =>
            this.#deliver(toId, () => {
              for (const m of msgs) to.handleMessage(this.now, addr, m);
            }),
          );
        } else {
          const { token, msg } = t;
          const gone = this.refused.has(t.to.slice(0, -2));
          if (gone || this.resetting.has(t.to.slice(0, -2))) {
            const code = gone ? 'ERR_TRELLIS_REFUSED' : 'ERR_TRELLIS_UNREACHABLE';
            this.#at(this.now + 2, () => core.handleReply(this.now, token, undefined, code));
            continue;
          }
          const toId = t.to.slice(0, -2);
          // A stalled process's kernel accepts the stream, but nobody answers before the timeout.
          const down =
            to === undefined ||
            this.streamDown.has(toId) ||
            this.streamDown.has(id) ||
            this.#stalled.has(toId);
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
