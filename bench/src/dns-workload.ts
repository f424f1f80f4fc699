/** The DNS benchmarks' workload: one 10,000-task table and the names clients ask, shared by every server raced. */
import type { TaskEntry } from '@trellis/tasks';

export const ZONE = 'dcos.thisdcos.directory';
export const TASKS = 10_000;
export const SHARED_NAMES = 5;
export const TASKS_PER_SHARED_NAME = 100;

export interface QueryName {
  readonly name: string;
  readonly type: 'A' | 'AAAA';
}

/** 10,000 tasks: 70% on the overlay (a fifth of them dual-stack), 25% host network, 5% in shared names. */
export function taskTable(): TaskEntry[] {
  const frameworks = ['marathon', 'spark', 'kafka', 'cassandra', 'jenkins'];
  const entries: TaskEntry[] = [];
  const shared = SHARED_NAMES * TASKS_PER_SHARED_NAME;
  for (let i = 0; i < TASKS - shared; i++) {
    const agentIp = `10.0.${(i >> 6) & 255}.${(i & 63) + 1}`;
    const onOverlay = i % 4 !== 3;
    entries.push({
      id: `task-${i}`,
      name: `app-${i}`,
      framework: frameworks[i % frameworks.length]!,
      agent: `agent-${i >> 6}`,
      agentIp,
      networks: onOverlay
        ? [
            {
              name: 'dcos',
              ipv4: `9.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
              ...(i % 5 === 0 ? { ipv6: `fd01::${i.toString(16)}` } : {}),
            },
          ]
        : [],
    });
  }
  for (let s = 0; s < SHARED_NAMES; s++)
    for (let k = 0; k < TASKS_PER_SHARED_NAME; k++)
      entries.push({
        id: `shared-${s}-${k}`,
        name: `worker-${s}`,
        framework: 'marathon',
        agent: `agent-${k}`,
        agentIp: `10.1.${s}.${k + 1}`,
        networks: [{ name: 'dcos', ipv4: `9.200.${s}.${k + 1}` }],
      });
  return entries;
}

/** What clients ask: mostly existing names of every form, some AAAA, some misses, a few shared names. */
export function queryMix(entries: readonly TaskEntry[]): QueryName[] {
  const forms = ['containerip', 'autoip', 'agentip'];
  const names: { name: string; type: 'A' | 'AAAA' }[] = [];
  for (let i = 0; i < 2000; i++) {
    const e = entries[(i * 7919) % (TASKS - SHARED_NAMES * TASKS_PER_SHARED_NAME)]!;
    const base = `${e.name}.${e.framework}.${forms[i % 3]!}.${ZONE}`;
    if (i % 20 === 0) names.push({ name: `missing-${i}.marathon.containerip.${ZONE}`, type: 'A' });
    else if (i % 10 === 1) names.push({ name: base, type: 'AAAA' });
    else names.push({ name: base, type: 'A' });
  }
  for (let s = 0; s < SHARED_NAMES; s++)
    names.push({ name: `worker-${s}.marathon.autoip.${ZONE}`, type: 'A' });
  return names;
}
