import { isAbsolute } from 'node:path';
import { CniFailure, cniCodes } from './cni-failure.js';

export const supportedVersions = ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;

/** Where the plugin finds the agent, and which network and container it is asked about. */
export interface Target {
  readonly cniVersion: string;
  readonly network: string;
  readonly socket: string;
}

export interface AttachmentCall extends Target {
  readonly command: 'ADD' | 'DEL' | 'CHECK';
  readonly containerId: string;
  readonly ifname: string;
  readonly args: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  /** The conflist's default framework for this network's tasks, if it names one. */
  readonly framework: string | undefined;
  readonly prevResult: unknown;
}

export type Invocation =
  | { readonly command: 'VERSION'; readonly cniVersion: string }
  | AttachmentCall
  | (Target & { readonly command: 'GC'; readonly keep: readonly { containerId: string; ifname: string }[] })
  | (Target & { readonly command: 'STATUS' });

const commands = new Set(['ADD', 'DEL', 'CHECK', 'GC', 'STATUS', 'VERSION']);
/** The spec's rule for container ids and network names. */
const idPattern = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const idMax = 200;
const argsMax = 4096;

/** The version an error is reported in: the caller's if it gave a valid one, else ours. */
export function replyVersion(stdin: string): string {
  try {
    const v = (JSON.parse(stdin) as { cniVersion?: unknown } | null)?.cniVersion;
    return typeof v === 'string' && (supportedVersions as readonly string[]).includes(v) ? v : '1.1.0';
  } catch {
    return '1.1.0';
  }
}

/**
 * Reads one invocation from the environment and the config on stdin, or the spec error that
 * says what is wrong: 4 for the environment, 6 for stdin that is not JSON, 1 for a version we
 * do not speak, 7 for a config we cannot use. Never throws.
 */
export function parseInvocation(
  env: Readonly<Record<string, string | undefined>>,
  stdin: string,
): Invocation | CniFailure {
  const command = env.CNI_COMMAND;
  if (command === undefined || !commands.has(command))
    return new CniFailure(
      cniCodes.invalidEnvironment,
      `CNI_COMMAND must be one of ${[...commands].join(', ')}`,
      `got ${JSON.stringify(command ?? null)}`,
    );
  let config: unknown;
  try {
    config = JSON.parse(stdin);
  } catch {
    return new CniFailure(cniCodes.decodeFailure, 'the network configuration on stdin is not JSON');
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config))
    return new CniFailure(cniCodes.decodeFailure, 'the network configuration on stdin must be a JSON object');
  const c = config as Record<string, unknown>;
  const cniVersion = c.cniVersion;
  if (command === 'VERSION')
    return { command, cniVersion: typeof cniVersion === 'string' ? cniVersion : '1.1.0' };
  if (typeof cniVersion !== 'string' || !(supportedVersions as readonly string[]).includes(cniVersion))
    return new CniFailure(
      cniCodes.incompatibleVersion,
      `cniVersion ${JSON.stringify(cniVersion ?? null)} is not supported`,
      `supported: ${supportedVersions.join(', ')}`,
    );
  if ((command === 'GC' || command === 'STATUS') && cniVersion !== '1.1.0')
    return new CniFailure(
      cniCodes.incompatibleVersion,
      `${command} needs cniVersion 1.1.0, got ${cniVersion}`,
    );
  const target = parseTarget(c, cniVersion);
  if (target instanceof CniFailure) return target;
  if (command === 'STATUS') return { ...target, command };
  if (command === 'GC') return parseGc(c, target);
  return parseAttachment(command as AttachmentCall['command'], env, c, target);
}

function parseTarget(c: Record<string, unknown>, cniVersion: string): Target | CniFailure {
  const name = c.name;
  if (typeof name !== 'string' || name.length > idMax || !idPattern.test(name))
    return new CniFailure(
      cniCodes.invalidConfig,
      'name must be a network name (letters, digits, _ . -)',
      `got ${JSON.stringify(name ?? null)}`,
    );
  const ipam = c.ipam as Record<string, unknown> | null | undefined;
  if (typeof ipam !== 'object' || ipam === null || ipam.type !== 'trellis')
    return new CniFailure(cniCodes.invalidConfig, 'ipam must be an object with "type": "trellis"');
  const socket = ipam.socket;
  if (typeof socket !== 'string' || !isAbsolute(socket) || socket.length > 200)
    return new CniFailure(
      cniCodes.invalidConfig,
      'ipam.socket must be the absolute path of the trellis agent socket',
      `got ${JSON.stringify(socket ?? null)}`,
    );
  return { cniVersion, network: name, socket };
}

function parseAttachment(
  command: AttachmentCall['command'],
  env: Readonly<Record<string, string | undefined>>,
  c: Record<string, unknown>,
  target: Target,
): AttachmentCall | CniFailure {
  const containerId = env.CNI_CONTAINERID;
  if (containerId === undefined || containerId.length > idMax || !idPattern.test(containerId))
    return new CniFailure(
      cniCodes.invalidEnvironment,
      `CNI_CONTAINERID must be 1-${idMax} letters, digits, _ . - (starting alphanumeric)`,
      `got ${JSON.stringify(containerId ?? null)}`,
    );
  const ifname = env.CNI_IFNAME;
  if (ifname === undefined || !isInterfaceName(ifname))
    return new CniFailure(
      cniCodes.invalidEnvironment,
      'CNI_IFNAME must be an interface name (1-15 characters, no / : or space, not . or ..)',
      `got ${JSON.stringify(ifname ?? null)}`,
    );
  // DEL may come after the namespace is gone: the allocation is released all the same.
  if (command !== 'DEL' && (env.CNI_NETNS === undefined || env.CNI_NETNS === ''))
    return new CniFailure(cniCodes.invalidEnvironment, `CNI_NETNS is required for ${command}`);
  const args = parseArgs(env.CNI_ARGS ?? '');
  if (args instanceof CniFailure) return args;
  if (command === 'CHECK' && c.prevResult === undefined)
    return new CniFailure(cniCodes.invalidConfig, 'CHECK needs prevResult in the network configuration');
  const ipam = c.ipam as Record<string, unknown>;
  const framework = typeof ipam.framework === 'string' ? ipam.framework : undefined;
  return {
    ...target,
    command,
    containerId,
    ifname,
    args,
    labels: labelsOf(c),
    framework,
    prevResult: c.prevResult,
  };
}

function parseGc(c: Record<string, unknown>, target: Target): Invocation | CniFailure {
  const list = c['cni.dev/valid-attachments'] ?? [];
  if (!Array.isArray(list))
    return new CniFailure(
      cniCodes.invalidConfig,
      'cni.dev/valid-attachments must be a list of { containerID, ifname }',
    );
  const keep: { containerId: string; ifname: string }[] = [];
  for (const item of list as unknown[]) {
    const a = item as { containerID?: unknown; ifname?: unknown } | null;
    if (typeof a?.containerID !== 'string' || typeof a.ifname !== 'string')
      return new CniFailure(
        cniCodes.invalidConfig,
        'every valid attachment needs a containerID and an ifname (strings)',
      );
    keep.push({ containerId: a.containerID, ifname: a.ifname });
  }
  return { ...target, command: 'GC', keep };
}

export function isInterfaceName(v: string): boolean {
  return v.length > 0 && v.length < 16 && v !== '.' && v !== '..' && !/[/:\s]/.test(v);
}

/** `K1=V1;K2=V2` (the spec's CNI_ARGS); 4 when it is not that. */
export function parseArgs(text: string): Record<string, string> | CniFailure {
  const out: Record<string, string> = {};
  if (text === '') return out;
  if (text.length > argsMax)
    return new CniFailure(cniCodes.invalidEnvironment, `CNI_ARGS is longer than ${argsMax} characters`);
  for (const pair of text.split(';')) {
    const i = pair.indexOf('=');
    if (i <= 0)
      return new CniFailure(
        cniCodes.invalidEnvironment,
        'CNI_ARGS must be KEY=VALUE pairs separated by ;',
        `bad pair ${JSON.stringify(pair)}`,
      );
    Object.defineProperty(out, pair.slice(0, i), {
      value: pair.slice(i + 1),
      enumerable: true,
      writable: true,
    });
  }
  return out;
}

/**
 * Labels, from `args.cni.labels` (the CNI conventions' `[{ key, value }]`) and from
 * `runtimeConfig.labels` (an object, or the same list); string values only.
 */
function labelsOf(c: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  const put = (k: unknown, v: unknown) => {
    if (typeof k === 'string' && typeof v === 'string' && k.length <= 255 && v.length <= 255)
      Object.defineProperty(out, k, { value: v, enumerable: true, writable: true });
  };
  const take = (labels: unknown) => {
    if (Array.isArray(labels))
      for (const l of labels as ({ key?: unknown; value?: unknown } | null)[]) put(l?.key, l?.value);
    else if (typeof labels === 'object' && labels !== null)
      for (const [k, v] of Object.entries(labels)) put(k, v);
  };
  take((c.args as { cni?: { labels?: unknown } } | undefined)?.cni?.labels);
  take((c.runtimeConfig as { labels?: unknown } | undefined)?.labels);
  return out;
}
