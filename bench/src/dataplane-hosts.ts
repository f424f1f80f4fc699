/** The dataplane benchmark's throwaway hosts: network namespaces, and what their kernel holds. */
import { randomBytes } from 'node:crypto';
import type { VtepSpec } from '@trellis/vxlan-agent';
import { fdb, neighbors, routes, sh } from '@trellis/vxlan-agent/testing';

export const underlayIp = '192.168.77.1';
export const vtep: VtepSpec = {
  name: 'vtep1024',
  vni: 1024,
  port: 64000,
  localIp: underlayIp,
  mtu: 1450,
  mac: '70:b3:d5:00:00:01',
  address: '44.0.0.1/16',
};

/** Every namespace made and not yet deleted: `destroy()` deletes them all, even on SIGINT. */
const namespaces: string[] = [];

export function progress(msg: string): void {
  process.stderr.write(`[dataplane] ${msg}\n`);
}

function addNamespace(name: string): void {
  sh('ip', 'netns', 'add', name);
  namespaces.push(name);
  sh('ip', '-n', name, 'link', 'set', 'lo', 'up');
}

/** A namespace with lo up and veth ul0 (192.168.77.1/24) whose peer ul1 is in a second namespace. */
export function createHost(): string {
  const tag = randomBytes(4).toString('hex');
  const ns = `trl-bench-${tag}`;
  const peer = `trl-bench-${tag}-p`;
  addNamespace(ns);
  addNamespace(peer);
  sh('ip', '-n', ns, 'link', 'add', 'ul0', 'type', 'veth', 'peer', 'name', 'ul1', 'netns', peer);
  sh('ip', '-n', ns, 'addr', 'add', `${underlayIp}/24`, 'dev', 'ul0');
  sh('ip', '-n', ns, 'link', 'set', 'ul0', 'up');
  sh('ip', '-n', peer, 'addr', 'add', '192.168.77.2/24', 'dev', 'ul1');
  sh('ip', '-n', peer, 'link', 'set', 'ul1', 'up');
  return ns;
}

/** Deletes a host's namespaces (both, or all when `ns` is undefined); never throws. */
export function destroy(ns?: string): void {
  for (const name of [...namespaces].reverse()) {
    if (ns !== undefined && name !== ns && name !== `${ns}-p`) continue;
    namespaces.splice(namespaces.indexOf(name), 1);
    try {
      sh('ip', 'netns', 'del', name);
    } catch (e) {
      progress(`could not delete namespace ${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

export interface Counts {
  readonly neighbors: number;
  readonly fdb: number;
  readonly routes: number;
}

/** What the kernel holds, read with iproute2 (independent of the executor's own reader). */
export function kernelCounts(ns: string): Counts {
  return {
    // iproute2 leaves `lladdr` out of an entry that has none: such an entry is not one we wrote.
    neighbors: neighbors(ns, vtep.name).filter((e) => (e as { lladdr?: string }).lladdr !== undefined).length,
    fdb: fdb(ns, vtep.name).filter((e) => e.dst !== undefined).length,
    routes: routes(ns).filter((e) => e.dev === vtep.name).length,
  };
}

export function checkCounts(label: string, got: Counts, n: number): boolean {
  const ok = got.neighbors === n && got.fdb === n && got.routes === n;
  if (!ok) progress(`${label}: WRONG COUNTS, want ${n} each, kernel has ${JSON.stringify(got)}`);
  return ok;
}
