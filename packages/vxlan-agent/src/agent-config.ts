import { ConfigError, ConfigProblems, describe } from '@trellis/runtime';
import { parseOverlays, parseRoutesConfig, type Overlay } from '@trellis/routes';
import { parseTasksConfig } from '@trellis/tasks';
import { parseDnsConfig, type DnsConfig, type DnsConfigInput } from '@trellis/dns';

/** The daemon's JSON config, validated; see the package README for every field. */
export interface AgentConfig {
  readonly nodeId: string;
  readonly bind: string;
  readonly advertise: string | undefined;
  readonly seeds: readonly string[];
  readonly profile: 'lan' | 'wan' | 'local';
  /** A JSON file `{ "keys": ["base64", ...] }`, the first key primary; or plaintext: true. */
  readonly keyringFile: string | undefined;
  readonly plaintext: boolean;
  readonly label: string;
  /** The underlay: an IPv4 address, or an interface whose first IPv4 address is used. */
  readonly underlay: { readonly ip: string } | { readonly interface: string };
  /** Underlay MTU; read from the interface when absent (1500 if unknown). */
  readonly underlayMtu: number | undefined;
  readonly overlays: readonly Overlay[];
  /**
   * Per-overlay VTEP overrides, e.g. `{ "dcos": { "mac": "70:b3:d5:00:00:09" } }`; by default the
   * MAC is derived from the VTEP IP (70:b3:d5 + its low 24 bits) and the IP from the slice.
   */
  readonly vtep: Readonly<Record<string, { readonly mac?: string; readonly ip?: string }>>;
  /** Create the m-<overlay> and d-<overlay> container bridges. */
  readonly bridges: boolean;
  /** Turn on net.ipv4.ip_forward when it is off (otherwise only reported). */
  readonly enableIpForwarding: boolean;
  readonly httpListen: string;
  readonly resyncIntervalMs: number;
  readonly logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  readonly swim: Readonly<Record<string, unknown>>;
  readonly routes: Readonly<Record<string, unknown>>;
  /** Task store settings (see @trellis/tasks TasksConfig), validated when the node starts. */
  readonly tasks: Readonly<Record<string, unknown>>;
  /**
   * Virtual Network Service DNS (`<task>.<framework>.{containerip,autoip,agentip}.<zone>`):
   * served when the `dns` section is present, off otherwise. See @trellis/dns DnsConfig.
   */
  readonly dns: DnsConfig | undefined;
}

const known = new Set([
  'nodeId',
  'bind',
  'advertise',
  'seeds',
  'profile',
  'keyringFile',
  'plaintext',
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
]);
const hostPort = /^(\[[0-9a-fA-F:.]+\]|[0-9.]+|[A-Za-z0-9.-]+):(\d{1,5})$/;
const ipv4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Validates a parsed JSON config, reporting every problem at once with its path. */
export function parseAgentConfig(input: unknown): AgentConfig {
  const p = new ConfigProblems();
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    p.add('(root)', `must be a JSON object, got ${describe(input)}`);
    p.throwIfAny('trellis-agent config');
  }
  const c = input as Record<string, unknown>;
  const fail = (path: string, message: string): undefined => {
    p.add(path, message);
    return undefined;
  };
  for (const key of Object.keys(c)) if (!known.has(key)) p.add(key, 'is not a trellis-agent setting');
  const str = (k: string, v: unknown, ok = (s: string) => s.length > 0): string | undefined => {
    if (typeof v === 'string' && ok(v)) return v;
    p.add(k, `must be a non-empty string of the right form, got ${describe(v)}`);
    return undefined;
  };
  const optional = <T>(k: string, fallback: T, check: (v: unknown) => T | undefined): T =>
    c[k] === undefined ? fallback : (check(c[k]) ?? fallback);
  const nodeId = str('nodeId', c.nodeId, (s) => s.length > 0 && s.length <= 128);
  const bind = optional('bind', '0.0.0.0:7946', (v) => str('bind', v, (s) => hostPort.test(s)));
  const advertise = optional<string | undefined>('advertise', undefined, (v) =>
    str('advertise', v, (s) => hostPort.test(s)),
  );
  const seeds = optional<string[]>('seeds', [], (v) => {
    if (!Array.isArray(v)) return fail('seeds', `must be an array of host:port, got ${describe(v)}`);
    v.forEach((s, i) => str(`seeds[${i}]`, s, (x) => hostPort.test(x)));
    return v as string[];
  });
  const profile = optional<'lan' | 'wan' | 'local'>('profile', 'lan', (v) =>
    v === 'lan' || v === 'wan' || v === 'local'
      ? v
      : fail('profile', `must be lan, wan or local, got ${describe(v)}`),
  );
  const keyringFile = optional<string | undefined>('keyringFile', undefined, (v) => str('keyringFile', v));
  const plaintext = optional('plaintext', false, (v) =>
    p.boolean('plaintext', v) ? (v as boolean) : undefined,
  );
  if (keyringFile === undefined && !plaintext)
    p.add('keyringFile', 'is required unless "plaintext": true says so explicitly');
  if (keyringFile !== undefined && plaintext) p.add('plaintext', 'cannot be true together with keyringFile');
  const label = optional('label', '', (v) =>
    typeof v === 'string' ? v : fail('label', `must be a string, got ${describe(v)}`),
  );
  const underlay = parseUnderlay(c.underlay, p);
  const underlayMtu = optional<number | undefined>('underlayMtu', undefined, (v) =>
    p.integer('underlayMtu', v, 1280, 65_535) ? (v as number) : undefined,
  );
  const overlays = parseOverlayList(c.overlays, p);
  const vtep = parseVtep(
    c.vtep,
    overlays.map((o) => o.name),
    p,
  );
  const bridges = optional('bridges', true, (v) => (p.boolean('bridges', v) ? (v as boolean) : undefined));
  const enableIpForwarding = optional('enableIpForwarding', false, (v) =>
    p.boolean('enableIpForwarding', v) ? (v as boolean) : undefined,
  );
  const httpListen = parseHttp(c.http, p);
  const resyncIntervalMs = optional('resyncIntervalMs', 30_000, (v) =>
    p.integer('resyncIntervalMs', v, 1000, 86_400_000) ? (v as number) : undefined,
  );
  const levels = ['trace', 'debug', 'info', 'warn', 'error'] as const;
  const logLevel = optional<AgentConfig['logLevel']>('logLevel', 'info', (v) =>
    levels.includes(v as never)
      ? (v as AgentConfig['logLevel'])
      : fail('logLevel', `must be one of ${levels.join(', ')}`),
  );
  const objectOr = (k: 'swim' | 'routes' | 'tasks') =>
    optional<Record<string, unknown>>(k, {}, (v) =>
      typeof v === 'object' && v !== null && !Array.isArray(v)
        ? (v as Record<string, unknown>)
        : fail(k, 'must be an object'),
    );
  const swim = objectOr('swim');
  const routes = objectOr('routes');
  const tasks = objectOr('tasks');
  // Checked here, with every other problem, rather than when the node starts.
  nested('routes', () => parseRoutesConfig(routes), p);
  nested('tasks', () => parseTasksConfig(tasks), p);
  let dns: DnsConfig | undefined;
  if (c.dns !== undefined) {
    if (typeof c.dns !== 'object' || c.dns === null || Array.isArray(c.dns))
      p.add('dns', `must be an object (its settings, {} for the defaults), got ${describe(c.dns)}`);
    else nested('dns', () => (dns = parseDnsConfig(c.dns as DnsConfigInput)), p);
  }
  p.throwIfAny('trellis-agent config');
  return Object.freeze({
    nodeId: nodeId!,
    bind,
    advertise,
    seeds,
    profile,
    keyringFile,
    plaintext,
    label,
    underlay: underlay!,
    underlayMtu,
    overlays,
    vtep,
    bridges,
    enableIpForwarding,
    httpListen,
    resyncIntervalMs,
    logLevel,
    swim,
    routes,
    tasks,
    dns,
  });
}

/** Runs a package's own config parser and files its problems under `prefix`. */
function nested(prefix: string, parse: () => unknown, p: ConfigProblems): void {
  try {
    parse();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) p.add(`${prefix}.${problem.path}`, problem.message);
  }
}

function parseUnderlay(v: unknown, p: ConfigProblems): AgentConfig['underlay'] | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    p.add('underlay', `must be { "ip": "a.b.c.d" } or { "interface": "eth0" }, got ${describe(v)}`);
    return undefined;
  }
  const u = v as Record<string, unknown>;
  if (typeof u.ip === 'string' && ipv4.test(u.ip) && u.interface === undefined) return { ip: u.ip };
  if (typeof u.interface === 'string' && /^[A-Za-z0-9_.:-]{1,15}$/.test(u.interface) && u.ip === undefined)
    return { interface: u.interface };
  p.add('underlay', 'must hold exactly one of "ip" (an IPv4 address) or "interface" (a link name)');
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

const mac = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

function parseVtep(v: unknown, overlays: readonly string[], p: ConfigProblems): AgentConfig['vtep'] {
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    p.add('vtep', 'must be an object keyed by overlay name');
    return {};
  }
  const out: Record<string, { mac?: string; ip?: string }> = {};
  for (const [name, o] of Object.entries(v as Record<string, unknown>)) {
    if (!overlays.includes(name)) p.add(`vtep.${name}`, 'names no configured overlay');
    const spec = (typeof o === 'object' && o !== null ? o : {}) as Record<string, unknown>;
    const entry: { mac?: string; ip?: string } = {};
    for (const key of Object.keys(spec))
      if (key !== 'mac' && key !== 'ip') p.add(`vtep.${name}.${key}`, 'is not a VTEP setting');
    if (spec.mac !== undefined) {
      if (typeof spec.mac === 'string' && mac.test(spec.mac)) entry.mac = spec.mac;
      else
        p.add(
          `vtep.${name}.mac`,
          `must be a lowercase MAC like 70:b3:d5:00:00:01, got ${describe(spec.mac)}`,
        );
    }
    if (spec.ip !== undefined) {
      if (typeof spec.ip === 'string' && ipv4.test(spec.ip)) entry.ip = spec.ip;
      else p.add(`vtep.${name}.ip`, `must be an IPv4 address, got ${describe(spec.ip)}`);
    }
    out[name] = entry;
  }
  return out;
}

function parseHttp(v: unknown, p: ConfigProblems): string {
  if (v === undefined) return '127.0.0.1:8124';
  const listen = typeof v === 'object' && v !== null ? (v as { listen?: unknown }).listen : undefined;
  if (typeof listen === 'string' && hostPort.test(listen)) return listen;
  p.add('http.listen', `must be host:port (127.0.0.1 by default), got ${describe(listen)}`);
  return '127.0.0.1:8124';
}
