/** The dataplane benchmark's peer: iproute2's `ip -batch` and `bridge -batch` writing the same objects. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { sh } from '@trellis/vxlan-agent/testing';
import { remotes } from './dataplane-worker.js';
import {
  checkCounts,
  createHost,
  destroy,
  kernelCounts,
  progress,
  vtep,
  type Counts,
} from './dataplane-hosts.js';

export interface IprouteRun {
  readonly ipMs: number;
  readonly bridgeMs: number;
  readonly kernel: Counts;
  readonly verified: boolean;
}

function timed(cmd: string, ...args: string[]): number {
  const t0 = performance.now();
  sh(cmd, ...args);
  return performance.now() - t0;
}

export function iprouteRun(n: number, tmp: string): IprouteRun {
  const ns = createHost();
  try {
    progress(`N=${n}: iproute2 baseline in ${ns}`);
    const [addr, prefix] = vtep.address!.split('/');
    sh(
      'ip',
      '-n',
      ns,
      'link',
      'add',
      vtep.name,
      'address',
      vtep.mac,
      'mtu',
      String(vtep.mtu),
      'type',
      'vxlan',
      'id',
      String(vtep.vni),
      'local',
      vtep.localIp,
      'dstport',
      String(vtep.port),
      'nolearning',
    );
    sh('ip', '-n', ns, 'addr', 'add', `${addr!}/${prefix!}`, 'dev', vtep.name);
    sh('ip', '-n', ns, 'link', 'set', vtep.name, 'up');
    const rs = remotes(n);
    const ipBatch = join(tmp, `ip-${n}.batch`);
    const bridgeBatch = join(tmp, `bridge-${n}.batch`);
    writeFileSync(
      ipBatch,
      [
        ...rs.map((r) => `neigh replace ${r.vtepIp} lladdr ${r.vtepMac} dev ${vtep.name} nud permanent`),
        ...rs.map((r) => `route replace ${r.subnet} via ${r.vtepIp} dev ${vtep.name} onlink proto 44`),
      ].join('\n') + '\n',
    );
    writeFileSync(
      bridgeBatch,
      rs
        .map((r) => `fdb replace ${r.vtepMac} dev ${vtep.name} self permanent dst ${r.underlayIp}`)
        .join('\n') + '\n',
    );
    // Two commands, as an operator would write it: `ip -batch` (neighbors, then routes) and
    // `bridge -batch` (FDB entries).
    const ipMs = timed('ip', '-n', ns, '-batch', ipBatch);
    const bridgeMs = timed('bridge', '-n', ns, '-batch', bridgeBatch);
    const kernel = kernelCounts(ns);
    return { ipMs, bridgeMs, kernel, verified: checkCounts(`N=${n} iproute2`, kernel, n) };
  } finally {
    destroy(ns);
  }
}
