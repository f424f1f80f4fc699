import { isIP } from 'node:net';
import { isUnicastMac, type Overlay } from '@trellis/routes';
import { describe, type ConfigProblems } from '@trellis/runtime';

export type VtepOverrides = Readonly<Record<string, { readonly mac?: string; readonly ip?: string }>>;

const mac = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/**
 * `vtep`: per-overlay `{ mac?, ip? }`, each naming a configured overlay: the IP one of its VTEP
 * addresses, the MAC unicast (peers refuse a route with anything else).
 */
export function parseVtep(v: unknown, overlays: readonly Overlay[], p: ConfigProblems): VtepOverrides {
  if (v === undefined) return {};
  if (!isObject(v)) {
    p.add('vtep', `must be an object keyed by overlay name, got ${describe(v)}`);
    return {};
  }
  const out: Record<string, { mac?: string; ip?: string }> = {};
  for (const [name, spec] of Object.entries(v)) {
    const overlay = overlays.find((o) => o.name === name);
    if (overlay === undefined) p.add(`vtep.${name}`, 'names no configured overlay');
    if (!isObject(spec)) {
      p.add(`vtep.${name}`, `must be { "mac"?: "70:b3:d5:...", "ip"?: "a.b.c.d" }, got ${describe(spec)}`);
      continue;
    }
    const entry: { mac?: string; ip?: string } = {};
    for (const key of Object.keys(spec))
      if (key !== 'mac' && key !== 'ip') p.add(`vtep.${name}.${key}`, 'is not a VTEP setting');
    if (spec.mac !== undefined) {
      if (typeof spec.mac === 'string' && mac.test(spec.mac) && isUnicastMac(spec.mac)) entry.mac = spec.mac;
      else
        p.add(
          `vtep.${name}.mac`,
          `must be a lowercase unicast MAC like 70:b3:d5:00:00:01, got ${describe(spec.mac)}`,
        );
    }
    if (spec.ip !== undefined) {
      // The IP a route record carries: IPv4, or the IPv6 one on an IPv6-only overlay.
      const v6only = overlay !== undefined && overlay.subnet === undefined;
      const family = v6only ? 'an IPv6 address (RFC 5952 text)' : 'an IPv4 address';
      const subnet = v6only ? overlay.vtepSubnet6 : overlay?.vtepSubnet;
      if (
        typeof spec.ip === 'string' &&
        isIP(spec.ip) === (v6only ? 6 : 4) &&
        (overlay?.hasVtepIp(spec.ip) ?? true)
      )
        entry.ip = spec.ip;
      else
        p.add(
          `vtep.${name}.ip`,
          `must be ${family}${subnet === undefined ? '' : ` of ${subnet}`}, got ${describe(spec.ip)}`,
        );
    }
    out[name] = entry;
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
