import { ConfigProblems, describe } from '@trellis/runtime';
import { overlaps, parseCidr, type Cidr, type IpKind } from './cidr.js';
import { Overlay, prefixLength6Max, prefixLengthMax, type OverlayConfig } from './overlay.js';
import { checkConflicts, type Checked } from './overlay-conflicts.js';

// The slice-length limits live with the slice math that relies on them; config readers look here.
export { prefixLengthMax, prefixLength6Max } from './overlay.js';

/**
 * An overlay as a user writes it in JSON config: a `name` and `subnet` (IPv4), `subnet6` (IPv6)
 * or both; everything else has a default.
 */
export type OverlayInput = OverlayFields & ({ readonly subnet: string } | { readonly subnet6: string });

interface OverlayFields {
  /** 1..13 characters of [a-z0-9-], starting alphanumeric: DC/OS derives 15-char device names from it. */
  readonly name: string;
  /** IPv4 CIDR, a network address. */
  readonly subnet?: string;
  /** Per-agent slice; default 24. Longer than the subnet's, at most 29 (see `prefixLengthMax`). Only with `subnet`. */
  readonly prefixLength?: number;
  readonly subnet6?: string;
  /** Per-agent IPv6 slice; default 80. Allowed only with `subnet6`. */
  readonly prefixLength6?: number;
  /** VXLAN network identifier; default 1024. One per overlay. */
  readonly vni?: number;
  /** VXLAN UDP port; default 64000. */
  readonly port?: number;
  /** Where VTEP IPs come from (slice index + 1); only with `subnet`; default 44.128.0.0/20. */
  readonly vtepSubnet?: string;
  /** Where VTEP IPv6 addresses come from (slice index + 1); only with `subnet6`; default fd01:a::/64. */
  readonly vtepSubnet6?: string;
}

/** DC/OS's overlay, field for field. */
export const defaultOverlayInput: OverlayInput = Object.freeze({
  name: 'dcos',
  subnet: '9.0.0.0/8',
  prefixLength: 24,
  vni: 1024,
  port: 64000,
  vtepSubnet: '44.128.0.0/20',
});

const defaults = {
  prefixLength: 24,
  prefixLength6: 80,
  vni: 1024,
  port: 64000,
  vtepSubnet: '44.128.0.0/20',
  vtepSubnet6: 'fd01:a::/64',
};
const nameMaxChars = 13;
const reservedNames = new Set(['host', 'bridge', 'default']);
const knownKeys = new Set([
  'name',
  'subnet',
  'prefixLength',
  'subnet6',
  'prefixLength6',
  'vni',
  'port',
  'vtepSubnet',
  'vtepSubnet6',
]);

/** Parses one overlay; throws one `ConfigError` listing every problem, with paths under `path`. */
export function parseOverlay(input: unknown, path = 'overlay'): Overlay {
  const problems = new ConfigProblems();
  const checked = checkOverlay(problems, input, path);
  problems.throwIfAny('overlay');
  return new Overlay(checked!.config);
}

/**
 * Parses the overlay list, reporting every problem at once: each overlay's own, then conflicts
 * between them (names, VNIs, overlapping subnets, VTEP subnets colliding with any subnet).
 */
export function parseOverlays(input: unknown): Overlay[] {
  const problems = new ConfigProblems();
  if (!Array.isArray(input)) {
    problems.add('overlays', `must be an array of overlays, got ${describe(input)}`);
    problems.throwIfAny('overlays');
    return [];
  }
  const checked = input.map((item, i) => checkOverlay(problems, item, `overlays[${i}]`));
  checkConflicts(problems, checked);
  problems.throwIfAny('overlays');
  return checked.map((c) => new Overlay(c!.config));
}

function checkOverlay(problems: ConfigProblems, input: unknown, path: string): Checked | undefined {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    problems.add(path, `must be an object with at least name and subnet or subnet6, got ${describe(input)}`);
    return undefined;
  }
  const raw = input as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (!knownKeys.has(key))
      problems.add(`${path}.${key}`, `unknown key; known: ${[...knownKeys].join(', ')}`);
  }
  const name = checkName(problems, `${path}.name`, raw['name']);
  if (raw['subnet'] === undefined && raw['subnet6'] === undefined) {
    problems.add(`${path}.subnet`, 'is missing: an overlay needs subnet (IPv4), subnet6 (IPv6) or both');
  }
  const v4 = checkFamily4(problems, path, raw);
  const net6 = checkCidr(problems, `${path}.subnet6`, raw['subnet6'], 'ipv6', false);
  let prefixLength6 = raw['prefixLength6'];
  if (raw['subnet6'] === undefined && prefixLength6 !== undefined) {
    problems.add(`${path}.prefixLength6`, 'is set but subnet6 is not; set both or neither');
  } else if (raw['subnet6'] !== undefined) {
    prefixLength6 ??= defaults.prefixLength6;
    const slice6Ok = checkSliceLength(
      problems,
      `${path}.prefixLength6`,
      prefixLength6,
      net6,
      prefixLength6Max,
    );
    if (slice6Ok && v4.sliceOk && v4.net && net6) {
      const bits4 = (v4.prefixLength as number) - v4.net.prefix;
      const bits6 = (prefixLength6 as number) - net6.prefix;
      if (bits6 < bits4) {
        problems.add(
          `${path}.prefixLength6`,
          `gives only 2^${bits6} IPv6 slices for 2^${bits4} IPv4 slices; each IPv4 slice needs the IPv6 slice of the same index`,
        );
      }
    }
  }

  const vni = raw['vni'] ?? defaults.vni;
  problems.integer(`${path}.vni`, vni, 1, 0xffffff);
  const port = raw['port'] ?? defaults.port;
  problems.integer(`${path}.port`, port, 1, 65535);
  const { vtep6, vtep6Raw } = checkVtep6(problems, path, raw, net6);

  // Only meaningful when the fields are valid; otherwise `problems` already throws.
  const config: OverlayConfig = {
    name: name ?? '',
    ...(raw['subnet'] !== undefined && {
      subnet: raw['subnet'] as string,
      prefixLength: v4.prefixLength as number,
      vtepSubnet: v4.vtepRaw as string,
    }),
    ...(raw['subnet6'] !== undefined && {
      subnet6: raw['subnet6'] as string,
      prefixLength6: prefixLength6 as number,
      vtepSubnet6: vtep6Raw as string,
    }),
    vni: vni as number,
    port: port as number,
  };
  return { path, config, net: v4.net, net6, vtep: v4.vtep, vtep6 };
}

/** The IPv4 family: `subnet`, then `prefixLength` and `vtepSubnet` (defaulted), or none of them. */
function checkFamily4(
  problems: ConfigProblems,
  path: string,
  raw: Record<string, unknown>,
): { net?: Cidr; vtep?: Cidr; prefixLength?: unknown; vtepRaw?: unknown; sliceOk: boolean } {
  if (raw['subnet'] === undefined) {
    for (const key of ['prefixLength', 'vtepSubnet'])
      if (raw[key] !== undefined && raw['subnet6'] !== undefined)
        problems.add(
          `${path}.${key}`,
          'is set but subnet is not; an IPv6-only overlay has no IPv4 slices or VTEPs',
        );
    return { sliceOk: false };
  }
  const net = checkCidr(problems, `${path}.subnet`, raw['subnet'], 'ipv4', true);
  const prefixLength = raw['prefixLength'] ?? defaults.prefixLength;
  const sliceOk = checkSliceLength(problems, `${path}.prefixLength`, prefixLength, net, prefixLengthMax);
  const vtepRaw = raw['vtepSubnet'] ?? defaults.vtepSubnet;
  const vtep = checkCidr(problems, `${path}.vtepSubnet`, vtepRaw, 'ipv4', true);
  if (vtep && vtep.prefix > 30) {
    problems.add(`${path}.vtepSubnet`, `/${vtep.prefix} has no VTEP address besides network and broadcast`);
  }
  // A VTEP IP inside the overlay subnet would be routed into the overlay it carries.
  if (vtep && net && overlaps(vtep, net)) {
    problems.add(`${path}.vtepSubnet`, `overlaps this overlay's subnet (${raw['subnet'] as string})`);
  }
  return { ...(net && { net }), ...(vtep && { vtep }), prefixLength, vtepRaw, sliceOk };
}

/** `vtepSubnet6`: only with `subnet6` (then defaulted), an IPv6 network with room for VTEPs, outside `subnet6`. */
function checkVtep6(
  problems: ConfigProblems,
  path: string,
  raw: Record<string, unknown>,
  net6: Cidr | undefined,
): { vtep6: Cidr | undefined; vtep6Raw: unknown } {
  if (raw['subnet6'] === undefined) {
    if (raw['vtepSubnet6'] !== undefined)
      problems.add(`${path}.vtepSubnet6`, 'is set but subnet6 is not; a VTEP IPv6 needs an IPv6 overlay');
    return { vtep6: undefined, vtep6Raw: undefined };
  }
  const vtep6Raw = raw['vtepSubnet6'] ?? defaults.vtepSubnet6;
  const vtep6 = checkCidr(problems, `${path}.vtepSubnet6`, vtep6Raw, 'ipv6', true);
  if (vtep6 && vtep6.prefix > 127) {
    problems.add(`${path}.vtepSubnet6`, `/${vtep6.prefix} has no VTEP address besides the network address`);
  }
  if (vtep6 && net6 && overlaps(vtep6, net6)) {
    problems.add(`${path}.vtepSubnet6`, `overlaps this overlay's subnet6 (${raw['subnet6'] as string})`);
  }
  return { vtep6, vtep6Raw };
}

function checkName(problems: ConfigProblems, path: string, value: unknown): string | undefined {
  if (typeof value !== 'string') {
    problems.add(path, `must be a string, got ${describe(value)}`);
  } else if (value.length < 1 || value.length > nameMaxChars) {
    problems.add(
      path,
      `must be 1 to ${nameMaxChars} characters, got ${value.length} (${JSON.stringify(value)})`,
    );
  } else if (!/^[a-z0-9][a-z0-9-]*$/.test(value)) {
    problems.add(
      path,
      `must be lowercase letters, digits and '-', starting with a letter or digit, got ${JSON.stringify(value)}`,
    );
  } else if (reservedNames.has(value)) {
    problems.add(
      path,
      `${JSON.stringify(value)} is reserved (Docker's own network names: host, bridge, default)`,
    );
  } else {
    return value;
  }
  return undefined;
}

function checkCidr(
  problems: ConfigProblems,
  path: string,
  value: unknown,
  kind: IpKind,
  required: boolean,
): Cidr | undefined {
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string') {
    problems.add(path, `must be a string CIDR, got ${describe(value)}`);
    return undefined;
  }
  const parsed = parseCidr(value, kind);
  if (typeof parsed === 'string') {
    problems.add(path, parsed);
    return undefined;
  }
  const unusable = (kind === 'ipv6' ? unusable6 : unusable4).find(([range]) => overlaps(parsed, range));
  if (unusable !== undefined) {
    problems.add(path, `${value} cannot hold VTEP or container addresses: it overlaps ${unusable[1]}`);
    return undefined;
  }
  return parsed;
}

/**
 * IPv6 space no VTEP or container address may come from, as route admission refuses it for an
 * underlay: an IPv6-only overlay's records carry the VTEP IPv6 itself.
 */
const unusable6: readonly [Cidr, string][] = (
  [
    ['::/127', 'the unspecified and loopback addresses (::/127)'],
    ['::ffff:0:0/96', 'IPv4-mapped space (::ffff:0:0/96)'],
    ['fe80::/10', 'link-local space (fe80::/10), which needs a scope'],
    ['ff00::/8', 'multicast space (ff00::/8)'],
  ] as const
).map(([text, what]) => [parseCidr(text, 'ipv6') as Cidr, what]);

/** The same for IPv4: no VXLAN packet or container traffic can use these as unicast addresses. */
const unusable4: readonly [Cidr, string][] = (
  [
    ['0.0.0.0/8', '"this network" (0.0.0.0/8)'],
    ['127.0.0.0/8', 'loopback space (127.0.0.0/8)'],
    ['224.0.0.0/4', 'multicast space (224.0.0.0/4)'],
    ['240.0.0.0/4', 'reserved space and broadcast (240.0.0.0/4)'],
  ] as const
).map(([text, what]) => [parseCidr(text, 'ipv4') as Cidr, what]);

/** A slice must be longer than its subnet (at least 2 slices) and short enough for its halves. */
function checkSliceLength(
  problems: ConfigProblems,
  path: string,
  value: unknown,
  net: Cidr | undefined,
  max: number,
): value is number {
  if (!problems.integer(path, value, 1, max)) return false;
  if (net && (value as number) <= net.prefix) {
    problems.add(path, `must be longer than the subnet's /${net.prefix}, got ${value as number}`);
    return false;
  }
  return true;
}
