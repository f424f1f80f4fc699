/** The task store's unit-test harness: a testbed, a task of ours, and a peer record builder. */
import type { Instant } from '@trellis/runtime';
import type { MemberStatus } from '@trellis/membership';
import { StoreTestbed } from '@trellis/store/testbed';
import { TaskStore } from '../../src/task-store.js';
import type { TasksConfig } from '../../src/tasks-config.js';
import type { TaskInput } from '../../src/task-input.js';
import type { TaskWire } from '../../src/task-record.js';
import type { TasksEvent } from '../../src/tasks-events.js';
import type { AddressCheck } from '../../src/address-check.js';

export const graceMs = 10_000;
export const adoptWindowMs = 30_000;

/** A task store on a virtual clock with a member table the test edits and a broadcast spy. */
export function harness(
  extra: { config?: Partial<TasksConfig>; selfId?: string; addressCheck?: AddressCheck } = {},
) {
  const bed = new StoreTestbed({ selfId: extra.selfId ?? 'self', generation: 1_000 });
  const store = new TaskStore({
    ctx: bed.context('tasks'),
    config: { graceMs, adoptWindowMs, recomputeDelayMs: 50, ...extra.config },
    ...(extra.addressCheck === undefined ? {} : { addressCheck: extra.addressCheck }),
  });
  const events: TasksEvent[] = [];
  const h = {
    bed,
    store,
    broadcasts: bed.broadcasts as { key: string; msg: TaskWire }[],
    events,
    get now() {
      return bed.now;
    },
    advance(until: Instant): void {
      bed.advance(store, until);
      events.push(...bed.events(store));
    },
    member(id: string, status: MemberStatus | undefined): void {
      bed.member(id, status);
      store.markDirty(bed.now);
    },
    names(): string[] {
      return store.list().map((e) => `${e.agent}/${e.id}`);
    },
  };
  return h;
}

export const web: TaskInput = {
  id: 'web.1',
  name: 'web',
  framework: 'marathon',
  agentIp: '10.0.0.9',
  networks: [{ name: 'dcos', ipv4: '9.0.3.2' }],
};

export function remote(w: string, i: string, over: Partial<TaskWire> = {}): TaskWire {
  return { t: 'k', w, i, g: 1, v: 0, st: 0, n: 'db', f: 'kafka', a: '10.0.0.2', nw: [], ...over };
}
