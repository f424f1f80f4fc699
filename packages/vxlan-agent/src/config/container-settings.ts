import { isAbsolute } from 'node:path';
import { describe, type ConfigProblems } from '@trellis/runtime';
import { dnsLabel } from '@trellis/tasks';

/** Containers on the overlays through CNI: where the plugin and the network configs go. */
export interface CniConfig {
  /** The `trellis` IPAM plugin is installed here at start. */
  readonly binDir: string;
  /** `<overlay>.conflist` is written here once our slice is settled. */
  readonly confDir: string;
  /** The framework of a container's task when no `trellis.framework` label names one. */
  readonly framework: string;
}

/** Masquerade for traffic from the overlays to anywhere outside them. */
export interface EgressConfig {
  readonly masquerade: boolean;
}

export interface ContainerSettings {
  /** Where the agent keeps what must survive a restart (the CNI allocations). */
  readonly stateDir: string;
  /** Off (undefined) unless the config has a `cni` section. */
  readonly cni: CniConfig | undefined;
  readonly egress: EgressConfig;
}

export const defaultStateDir = '/var/lib/trellis';
export const defaultCniConfig: CniConfig = Object.freeze({
  binDir: '/opt/cni/bin',
  confDir: '/etc/cni/net.d',
  framework: 'cni',
});

const cniKeys = new Set(Object.keys(defaultCniConfig));

/** `stateDir`, `cni` and `egress`, every problem recorded in `p`. */
export function parseContainerSettings(c: Record<string, unknown>, p: ConfigProblems): ContainerSettings {
  const stateDir = c.stateDir === undefined ? defaultStateDir : (directory('stateDir', c.stateDir, p) ?? '');
  const cni = parseCni(c.cni, p);
  if (c.cni !== undefined && c.bridges === false)
    p.add('cni', 'needs the m-<overlay> bridges: remove "bridges": false or the cni section');
  return { stateDir, cni, egress: parseEgress(c.egress, p) };
}

function parseCni(v: unknown, p: ConfigProblems): CniConfig | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    p.add('cni', `must be an object ({} for the defaults), got ${describe(v)}`);
    return undefined;
  }
  const o = v as Record<string, unknown>;
  for (const key of Object.keys(o)) if (!cniKeys.has(key)) p.add(`cni.${key}`, 'is not a cni setting');
  const binDir = o.binDir === undefined ? defaultCniConfig.binDir : directory('cni.binDir', o.binDir, p);
  const confDir = o.confDir === undefined ? defaultCniConfig.confDir : directory('cni.confDir', o.confDir, p);
  let framework = defaultCniConfig.framework;
  if (o.framework !== undefined) {
    if (typeof o.framework === 'string' && o.framework.length <= 255 && dnsLabel(o.framework) !== '')
      framework = o.framework;
    else p.add('cni.framework', `must be a name with a letter or digit, got ${describe(o.framework)}`);
  }
  if (binDir === undefined || confDir === undefined) return undefined;
  return Object.freeze({ binDir, confDir, framework });
}

function parseEgress(v: unknown, p: ConfigProblems): EgressConfig {
  if (v === undefined) return { masquerade: true };
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    p.add('egress', `must be an object such as { "masquerade": false }, got ${describe(v)}`);
    return { masquerade: true };
  }
  const o = v as Record<string, unknown>;
  for (const key of Object.keys(o))
    if (key !== 'masquerade') p.add(`egress.${key}`, 'is not an egress setting');
  if (o.masquerade !== undefined && typeof o.masquerade !== 'boolean')
    p.add('egress.masquerade', `must be true or false, got ${describe(o.masquerade)}`);
  return { masquerade: o.masquerade !== false };
}

/** An absolute path without NUL or newline, at most 200 bytes (unix socket paths live under some). */
function directory(path: string, v: unknown, p: ConfigProblems): string | undefined {
  if (typeof v === 'string' && isAbsolute(v) && Buffer.byteLength(v) <= 200 && !/[\0\n\r]/.test(v)) return v;
  p.add(path, `must be an absolute directory path of at most 200 bytes, got ${describe(v)}`);
  return undefined;
}
