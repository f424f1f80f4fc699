import { parseDockerSection, type DockerConfig } from './docker-config.js';
import { isIP } from 'node:net';
import { canonicalIp } from './underlay.js';
import { ConfigError, ConfigProblems, describe } from '@trellis/runtime';
import { idLengthMax, isValidId } from '@trellis/membership';
import { isUnicastUnderlay, parseOverlays, parseRoutesConfig, type Overlay } from '@trellis/routes';
import { parseSwimConfig } from '@trellis/swim';
import { parseTasksConfig } from '@trellis/tasks';
import { nested, parseDnsSection, type AgentDnsConfig } from './dns-section.js';
import { parseContainerSettings, type ContainerSettings } from './container-settings.js';
import { parseHostPort } from './host-port.js';
import { parseHttpConfig, type HttpConfig } from './http-config.js';
import { parseIdentitySetting, type IdentitySetting } from './identity-config.js';
import { parseVtep, type VtepOverrides } from './vtep-config.js';

export type { AgentDnsConfig } from './dns-section.js';

/** The daemon's JSON config, validated; see the package README for every field. */
export interface AgentConfig extends ContainerSettings {
  readonly nodeId: string;
  readonly bind: string;
  readonly advertise: string | undefined;
  readonly seeds: readonly string[];
  readonly profile: 'lan' | 'wan' | 'local';
  /** A JSON file `{ "keys": ["base64", ...] }`, the first key primary; or plaintext: true. */
  readonly keyringFile: string | undefined;
  readonly plaintext: boolean;
  /** The node's key, certificate and trust (files), or "none" on purpose; see identity-config.ts. */
  readonly identity: IdentitySetting;
  readonly label: string;
  /**
   * The underlay: an IPv4 or IPv6 address, or an interface whose first IPv4 address (else its
   * first global IPv6 one) is used.
   */
  readonly underlay: { readonly ip: string } | { readonly interface: string };
  /** Underlay MTU; read from the interface when absent (1500 if unknown). */
  readonly underlayMtu: number | undefined;
  readonly overlays: readonly Overlay[];
  /**
   * Per-overlay VTEP overrides, e.g. `{ "dcos": { "mac": "70:b3:d5:00:00:09" } }`; by default the
   * MAC is derived from the VTEP IP (70:b3:d5 + its low 24 bits) and the IP from the slice.
   */
  readonly vtep: VtepOverrides;
  /** Create the m-<overlay> and d-<overlay> container bridges. */
  readonly bridges: boolean;
  /** Turn on net.ipv4.ip_forward when it is off (otherwise only reported). */
  readonly enableIpForwarding: boolean;
  /** The local API: unix socket, optional TCP listener, token, limits. */
  readonly http: HttpConfig;
  readonly resyncIntervalMs: number;
  readonly logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  /** Failure-detector overrides over `profile`, validated here as @trellis/swim will. */
  readonly swim: Readonly<Record<string, unknown>>;
  readonly routes: Readonly<Record<string, unknown>>;
  /** Task store settings (see @trellis/tasks TasksConfig). */
  readonly tasks: Readonly<Record<string, unknown>>;
  /**
   * Virtual Network Service DNS (`<task>.<framework>.{containerip,autoip,agentip}.<zone>`):
   * served when the `dns` section is present, off otherwise. See @trellis/dns DnsConfig.
   */
  readonly dns: AgentDnsConfig | undefined;
  /** Docker's half: one Docker network per overlay, and a task per attached container. */
  readonly docker: DockerConfig | undefined;
}

const known = new Set([
  'nodeId',
  'bind',
  'advertise',
  'seeds',
  'profile',
  'keyringFile',
  'plaintext',
  'identity',
  'label',
  'underlay',
  'underlayMtu',
  'overlays',
  'vtep',
  'bridges',
  'enableIpForwarding',
  'http',
  'resyncIntervalMs',
  'logLevel',
  'swim',
  'routes',
  'tasks',
  'dns',
  'docker',
  'stateDir',
  'cni',
  'egress',
]);

/** Bound into every encrypted packet's associated data (see @trellis/node's wire config). */
const labelBytesMax = 255;

/** Validates a parsed JSON config, reporting every problem at once with its path. */
export function parseAgentConfig(input: unknown): AgentConfig {
  const p = new ConfigProblems();
  const config = collectAgentConfig(input, p);
  p.throwIfAny('trellis-agent config');
  return config!;
}

/**
 * The checks of `parseAgentConfig`, recording problems instead of throwing, so that the loader
 * can add the problems of the files the config names and report all of them together.
 * Undefined when anything was wrong.
 */
export function collectAgentConfig(input: unknown, p: ConfigProblems): AgentConfig | undefined {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    p.add('(root)', `must be a JSON object, got ${describe(input)}`);
    return undefined;
  }
  const before = p.count;
  const c = input as Record<string, unknown>;
  for (const key of Object.keys(c)) if (!known.has(key)) p.add(key, 'is not a trellis-agent setting');
  const r = reader(c, p);
  const gossip = gossipSettings(c, r, p);
  const host = hostSettings(c, r, p);
  const service = serviceSettings(c, r, p);
  const containers = parseContainerSettings(c, p);
  if (p.count > before || gossip === undefined || host === undefined) return undefined;
  return Object.freeze({ ...gossip, ...host, ...service, ...containers });
}

type Reader = ReturnType<typeof reader>;

function reader(c: Record<string, unknown>, p: ConfigProblems) {
  const fail = (path: string, message: string): undefined => {
    p.add(path, message);
    return undefined;
  };
  const optional = <T>(k: string, fallback: T, check: (v: unknown) => T | undefined): T =>
    c[k] === undefined ? fallback : (check(c[k]) ?? fallback);
  return {
    fail,
    optional,
    flag: (k: string, fallback: boolean) =>
      optional(k, fallback, (v) => (p.boolean(k, v) ? (v as boolean) : undefined)),
    object: (k: string) =>
      optional<Record<string, unknown>>(k, {}, (v) =>
        typeof v === 'object' && v !== null && !Array.isArray(v)
          ? (v as Record<string, unknown>)
          : fail(k, 'must be an object'),
      ),
  };
}

/** Who we are in the cluster and how we reach it: id, addresses, keys, failure detection. */
function gossipSettings(c: Record<string, unknown>, r: Reader, p: ConfigProblems) {
  const nodeId = isValidId(c.nodeId)
    ? c.nodeId
    : r.fail(
        'nodeId',
        `must be 1-${idLengthMax} characters without control characters, got ${describe(c.nodeId)}`,
      );
  const bind = r.optional('bind', '0.0.0.0:7946', (v) => parseHostPort('bind', v, p, 'ip', '10.0.0.17:7946'));
  const advertise = r.optional<string | undefined>('advertise', undefined, (v) =>
    parseHostPort('advertise', v, p, 'ipOrName', '10.0.0.17:7946'),
  );
  const seeds = r.optional<string[]>('seeds', [], (v) => {
    if (!Array.isArray(v)) return r.fail('seeds', `must be an array of host:port, got ${describe(v)}`);
    v.forEach((s, i) => parseHostPort(`seeds[${i}]`, s, p, 'ipOrName', '10.0.0.1:7946'));
    return v as string[];
  });
  const profile = r.optional<AgentConfig['profile']>('profile', 'lan', (v) =>
    v === 'lan' || v === 'wan' || v === 'local'
      ? v
      : r.fail('profile', `must be lan, wan or local, got ${describe(v)}`),
  );
  const keyringFile = r.optional<string | undefined>('keyringFile', undefined, (v) =>
    typeof v === 'string' && v.length > 0
      ? v
      : r.fail('keyringFile', `must be a file path, got ${describe(v)}`),
  );
  const plaintext = r.flag('plaintext', false);
  if (c.keyringFile === undefined && !plaintext)
    p.add('keyringFile', 'is required unless "plaintext": true says so explicitly');
  if (keyringFile !== undefined && plaintext) p.add('plaintext', 'cannot be true together with keyringFile');
  const identity = parseIdentitySetting(c.identity, p);
  const label = r.optional('label', '', (v) =>
    typeof v !== 'string'
      ? r.fail('label', `must be a string, got ${describe(v)}`)
      : Buffer.byteLength(v) > labelBytesMax
        ? r.fail('label', `must be at most ${labelBytesMax} bytes, got ${Buffer.byteLength(v)}`)
        : v,
  );
  const swim = r.object('swim');
  // Checked here, with every other problem, rather than when the node starts.
  nested('swim', () => parseSwimConfig(swim, profile), p);
  if (nodeId === undefined || identity === undefined) return undefined;
  return { nodeId, bind, advertise, seeds, profile, keyringFile, plaintext, identity, label, swim };
}

/** This host's side of the overlays: underlay, overlays, VTEP overrides, bridges. */
function hostSettings(c: Record<string, unknown>, r: Reader, p: ConfigProblems) {
  const underlay = parseUnderlay(c.underlay, p);
  const underlayMtu = r.optional<number | undefined>('underlayMtu', undefined, (v) =>
    p.integer('underlayMtu', v, 1280, 65_535) ? (v as number) : undefined,
  );
  const overlays = parseOverlayList(c.overlays, p);
  const vtep = parseVtep(c.vtep, overlays, p);
  const bridges = r.flag('bridges', true);
  const enableIpForwarding = r.flag('enableIpForwarding', false);
  if (underlay === undefined) return undefined;
  return { underlay, underlayMtu, overlays, vtep, bridges, enableIpForwarding };
}

/** What the agent serves and how it runs: API, DNS, stores, resync, logs. */
function serviceSettings(c: Record<string, unknown>, r: Reader, p: ConfigProblems) {
  const http = parseHttpConfig(c.http, p);
  const resyncIntervalMs = r.optional('resyncIntervalMs', 30_000, (v) =>
    p.integer('resyncIntervalMs', v, 1000, 86_400_000) ? (v as number) : undefined,
  );
  const levels = ['trace', 'debug', 'info', 'warn', 'error'] as const;
  const logLevel = r.optional<AgentConfig['logLevel']>('logLevel', 'info', (v) =>
    levels.includes(v as never)
      ? (v as AgentConfig['logLevel'])
      : r.fail('logLevel', `must be one of ${levels.join(', ')}`),
  );
  const routes = r.object('routes');
  const tasks = r.object('tasks');
  nested('routes', () => parseRoutesConfig(routes), p);
  nested('tasks', () => parseTasksConfig(tasks), p);
  const dns = parseDnsSection(c.dns, p);
  const docker = parseDockerSection(c.docker, p);
  return { http, resyncIntervalMs, logLevel, routes, tasks, dns, docker };
}

export function parseUnderlay(v: unknown, p: ConfigProblems): AgentConfig['underlay'] | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    p.add('underlay', `must be { "ip": "a.b.c.d" } or { "interface": "eth0" }, got ${describe(v)}`);
    return undefined;
  }
  const u = v as Record<string, unknown>;
  const ip = typeof u.ip === 'string' && isIP(u.ip) !== 0 ? u.ip : undefined;
  if (ip !== undefined && !isUnicastUnderlay(ip, true)) {
    p.add(
      'underlay.ip',
      `must be a unicast address (not multicast, unspecified, broadcast, IPv6 link-local or IPv4-mapped), got ${ip}`,
    );
    return undefined;
  }
  // Peers compare underlay IPs as text: IPv6 goes out in its one RFC 5952 form.
  if (ip !== undefined && u.interface === undefined) return { ip: canonicalIp(ip) };
  if (typeof u.interface === 'string' && /^[A-Za-z0-9_.:-]{1,15}$/.test(u.interface) && u.ip === undefined)
    return { interface: u.interface };
  p.add('underlay', 'must hold exactly one of "ip" (an IPv4 or IPv6 address) or "interface" (a link name)');
  return undefined;
}

function parseOverlayList(v: unknown, p: ConfigProblems): Overlay[] {
  if (v === undefined) {
    p.add('overlays', 'must list at least one overlay, e.g. [{ "name": "dcos", "subnet": "9.0.0.0/8" }]');
    return [];
  }
  try {
    return parseOverlays(v);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) {
      const path = problem.path.startsWith('overlays') ? problem.path : `overlays.${problem.path}`;
      p.add(path, problem.message);
    }
    return [];
  }
}
