/**
 * IPv6 switches in /proc/sys of the namespace the agent runs in: enabling IPv6 on our own
 * devices (`net.ipv6.conf.<dev>.disable_ipv6`, which `net.ipv6.conf.default` may have set for
 * every new device) and IPv6 forwarding. Nothing here touches a device that is not ours: the
 * callers pass only names of links the planner owns.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { assert } from '@trellis/runtime';
import { Ipv6UnavailableError, PermissionError } from './errors.js';

const IPV6_FORWARD = '/proc/sys/net/ipv6/conf/all/forwarding';
/** A Linux interface name (at most 15 bytes) that is also one path component. */
const devName = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$/;

const errnoOf = (e: unknown): string | undefined => (e as NodeJS.ErrnoException).code;

async function writeSysctl(path: string, value: string): Promise<void> {
  try {
    await writeFile(path, `${value}\n`);
  } catch (e) {
    const code = errnoOf(e);
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
      throw new PermissionError(`writing ${path}: ${code}`, { cause: e });
    }
    throw e;
  }
}

/** Sets `disable_ipv6` of our device `dev` to 0 unless it is already; the device must exist. */
export async function enableIpv6(dev: string): Promise<void> {
  assert(devName.test(dev), `enableIpv6: not a device name: ${JSON.stringify(dev)}`);
  const path = `/proc/sys/net/ipv6/conf/${dev}/disable_ipv6`;
  let current: string;
  try {
    current = (await readFile(path, 'utf8')).trim();
  } catch (e) {
    if (errnoOf(e) === 'ENOENT') throw new Ipv6UnavailableError(dev, { cause: e });
    throw e;
  }
  if (current !== '0') await writeSysctl(path, '0');
}

/** Whether IPv6 forwarding is on (`net.ipv6.conf.all.forwarding`); false without IPv6 at all. */
export async function ipv6Forwarding(): Promise<boolean> {
  try {
    return (await readFile(IPV6_FORWARD, 'utf8')).trim() === '1';
  } catch (e) {
    if (errnoOf(e) === 'ENOENT') return false;
    throw e;
  }
}

export async function enableIpv6Forwarding(): Promise<void> {
  await writeSysctl(IPV6_FORWARD, '1');
}
