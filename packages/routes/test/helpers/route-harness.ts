/** The route store's unit-test harness: a testbed, two overlays, and record builders. */
import type { Instant } from '@trellis/runtime';
import type { MemberStatus } from '@trellis/membership';
import { parseOverlays } from '../../src/overlay-config.js';
import type { Overlay } from '../../src/overlay.js';
import type { RouteWire } from '../../src/route-record.js';
import { RouteStore } from '../../src/route-store.js';
import type { RoutesConfig } from '../../src/routes-config.js';
import type { RoutesChanged, RoutesEvent } from '../../src/routes-events.js';
import { StoreTestbed } from '@trellis/store/testbed';

export const seed = process.env['SEED'] === undefined ? 31 : Number.parseInt(process.env['SEED'], 10);

/** Four /24 slices; a VTEP subnet of its own, so both overlays can be configured together. */
export const [dcos, tiny] = parseOverlays([
  { name: 'dcos', subnet: '9.0.0.0/8' },
  { name: 'tiny', subnet: '10.9.0.0/22', prefixLength: 24, vni: 1025, vtepSubnet: '44.129.0.0/24' },
]) as [Overlay, Overlay];

export const settleMs = 3000;
export const graceMs = 10_000;
export const reclaimMs = 60_000;

export interface HarnessOptions {
  readonly sync?: (now: Instant, done: (at: Instant, ok: boolean) => void) => boolean;
  readonly config?: Partial<RoutesConfig>;
}

/** A route store on a virtual clock with a member table the test edits and broadcast spies. */
export function harness(extra: HarnessOptions = {}) {
  const { config, ...bedOptions } = extra;
  const bed = new StoreTestbed({ selfId: 'self', generation: 1_000, seed, ...bedOptions });
  const store = new RouteStore({
    ctx: bed.context('routes'),
    overlays: [dcos, tiny],
    config: { settleMs, graceMs, reclaimMs, recomputeDelayMs: 100, ...config },
  });
  const h = {
    bed,
    store,
    broadcasts: bed.broadcasts as { key: string; msg: RouteWire }[],
    sent: bed.sent as { addr: string; msg: RouteWire }[],
    get now() {
      return bed.now;
    },
    /** Runs every timer due up to `until` (inclusive), then sets the clock to `until`. */
    advance(until: Instant): void {
      bed.advance(store, until);
    },
    member(id: string, status: MemberStatus | undefined): void {
      bed.member(id, status);
      store.markDirty(bed.now);
    },
    hold(): void {
      store.handleSignal(bed.now, { type: 'joining' });
    },
    release(): void {
      store.handleSignal(bed.now, { type: 'joined' });
    },
    receive(raw: unknown, from = 'peer:7946'): void {
      store.handleRecord(bed.now, from, raw);
    },
    events(): RoutesEvent[] {
      return bed.events(store);
    },
    changes(): RoutesChanged[] {
      return h.events().filter((e): e is RoutesChanged => e.type === 'routesChanged');
    },
  };
  return h;
}

export const remote = (w: string, over: Partial<RouteWire> = {}): RouteWire => ({
  t: 'r',
  o: 'tiny',
  w,
  g: 500,
  v: 1,
  st: 1,
  c: 0,
  s: 0,
  u: '192.168.0.10',
  vi: '44.129.0.1',
  vm: '70:b3:d5:81:00:01',
  ...over,
});

export const log = (t: { log: (...v: unknown[]) => void }) => t.log(`SEED=${seed}`);
