import type { Instruments } from '../metrics.js';
import type { CniService } from './cni-service.js';

/** The CNI families, read from the service at scrape time. */
export function cniMetrics({ gauge, counter }: Instruments, cni: CniService): void {
  const each = (f: (s: ReturnType<CniService['status']>[number]) => number) => () =>
    Object.fromEntries(cni.status().map((s) => [s.network, f(s)]));
  gauge('trellis_cni_allocations', 'CNI addresses held, by overlay', ['overlay'], (g) => {
    for (const s of cni.status()) g.set({ overlay: s.network }, s.allocated);
  });
  gauge(
    'trellis_cni_capacity',
    'Containers that fit in our Mesos half, the smaller family of a dual-stack one (0: no settled slice)',
    ['overlay'],
    (g) => {
      for (const s of cni.status()) g.set({ overlay: s.network }, s.capacity);
    },
  );
  gauge('trellis_cni_outside', 'CNI allocations outside our current slice', ['overlay'], (g) => {
    for (const s of cni.status()) g.set({ overlay: s.network }, s.outside);
  });
  counter(
    'trellis_cni_exhausted_total',
    'ADDs refused because the Mesos half was full',
    ['overlay'],
    each((s) => s.exhausted),
  );
  counter(
    'trellis_cni_state_writes_total',
    'Writes of the allocations file',
    [],
    () => cni.stats.stateWrites,
  );
  counter(
    'trellis_cni_state_errors_total',
    'Failed writes of the allocations file',
    [],
    () => cni.stats.stateErrors,
  );
  counter(
    'trellis_cni_task_errors_total',
    'Task records of containers not published',
    [],
    () => cni.stats.taskErrors,
  );
  counter('trellis_cni_conflist_errors_total', 'Failed conflist writes', [], () => cni.conflists.errors);
}
