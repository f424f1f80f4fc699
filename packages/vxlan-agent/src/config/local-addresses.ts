import { networkInterfaces } from 'node:os';
import ipaddr from 'ipaddr.js';
import type { ConfigProblems } from '@trellis/runtime';
import { splitHostPort } from './host-port.js';

/** Every address of this host's interfaces (canonical text), loopback included. */
export function localAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces()))
    for (const a of list ?? []) out.add(ipaddr.process(a.address.split('%')[0]!).toString());
  return out;
}

/**
 * A listening address must be one of this host's (or the wildcard): binding anything else fails
 * the start, so `--check` says so first, with the addresses it could have named.
 */
export function checkLocalListen(
  p: ConfigProblems,
  path: string,
  value: string | undefined,
  local: Set<string>,
): void {
  if (value === undefined) return;
  const host = splitHostPort(value)?.host ?? value;
  if (!ipaddr.isValid(host)) return; // the setting's own check already reported it
  const canonical = ipaddr.process(host).toString();
  if (canonical === '0.0.0.0' || canonical === '::' || local.has(canonical)) return;
  const here = [...local].sort().join(', ');
  p.add(path, `${host} is not an address of this host (it has ${here}): the agent could not listen on it`);
}
