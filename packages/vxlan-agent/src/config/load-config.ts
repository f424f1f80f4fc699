import { ConfigError, ConfigProblems } from '@trellis/runtime';
import type { IdentityOptions, Keyring } from '@trellis/node';
import { collectAgentConfig, parseUnderlay, type AgentConfig } from './agent-config.js';
import { parseJsonText, readSmallFile } from './config-file.js';
import { FileProblems } from './file-problems.js';
import { groupId } from './group-id.js';
import { parseHttpConfig } from './http-config.js';
import { checkSocketPlace } from './socket-place.js';
import { parseIdentitySetting } from './identity-config.js';
import { loadIdentity } from './identity-files.js';
import { loadKeyringFile } from './keyring-file.js';
import { loadTokenFile } from './token-file.js';
import { checkLocalListen, localAddresses } from './local-addresses.js';
import { resolveUnderlay, UnderlayError, type Underlay } from './underlay.js';
import { loadAllocations } from '../cni/allocation-file.js';
import type { Allocation } from '../cni/allocation-table.js';

/** A config with everything it names read and checked: what the agent starts from. */
export interface LoadedAgentConfig {
  readonly config: AgentConfig;
  /** null: plaintext, on purpose. */
  readonly keyring: Keyring | null;
  /** null: no identity, on purpose ("identity": "none"). */
  readonly identity: IdentityOptions | null;
  readonly underlay: Underlay;
  /** The bearer token TCP writes must present; undefined: no writes over TCP. */
  readonly httpToken: string | undefined;
  /** The group the API socket is given; undefined: the agent's own. */
  readonly socketGid: number | undefined;
  /** The CNI allocations a previous run persisted (none without a `cni` section). */
  readonly cniAllocations?: readonly Allocation[];
}

const what = 'trellis-agent config';

/**
 * Everything `--check` and the start path check, in one place, before any side effect: the
 * config file (a regular file of at most 1 MiB, JSON whose errors name a line and column), every
 * setting, the files it names (keyring, identity, token) and the host facts it relies on (the underlay,
 * the socket's group and place). Every problem is listed at once: `ConfigError`, or `ConfigAccessError`
 * when a file could not be read for lack of permission.
 */
export async function loadAgentConfig(file: string): Promise<LoadedAgentConfig> {
  const p = new FileProblems();
  const read = await readSmallFile(file);
  if (!read.ok) {
    p.file('(file)', file, read);
    p.throwIfAny(what);
  }
  const json = parseJsonText((read as { text: string }).text);
  if (!json.ok) throw new ConfigError(what, [{ path: '(file)', message: `${file} ${json.message}` }]);
  const config = collectAgentConfig(json.value, p.list);
  const raw = (typeof json.value === 'object' && json.value !== null ? json.value : {}) as Record<
    string,
    unknown
  >;
  // The files are checked even when other settings are wrong, so one run lists everything.
  const keyringFile =
    typeof raw.keyringFile === 'string' && raw.keyringFile !== '' ? raw.keyringFile : undefined;
  // Their own problems are already listed: these only ask what the files and the host hold.
  const http = parseHttpConfig(raw.http, new ConfigProblems());
  const keyring = keyringFile === undefined ? null : await loadKeyringFile(keyringFile, 'keyringFile', p);
  const identitySetting = parseIdentitySetting(raw.identity, new ConfigProblems());
  const identity =
    identitySetting === undefined || identitySetting === 'none'
      ? null
      : await loadIdentity(identitySetting, raw.nodeId, Date.now(), p);
  const httpToken =
    http.tokenFile === undefined ? undefined : await loadTokenFile(http.tokenFile, 'http.tokenFile', p);
  const socketGid = http.socketGroup === undefined ? undefined : await gid(http.socketGroup, p);
  if (!p.list.list.some((q) => q.path === 'http.socket')) await checkSocketPlace(http.socket, p);
  if (config !== undefined) {
    const local = localAddresses();
    checkLocalListen(p.list, 'bind', config.bind, local);
    checkLocalListen(p.list, 'http.listen', config.http.listen, local);
    checkLocalListen(p.list, 'dns.host', config.dns?.host, local);
  }
  const cniAllocations = config?.cni === undefined ? [] : await loadAllocations(config.stateDir, p);
  const spec = parseUnderlay(raw.underlay, new ConfigProblems());
  const underlay = spec === undefined ? undefined : await underlayOf(spec, config?.underlayMtu, p);
  p.throwIfAny(what);
  return {
    config: config!,
    keyring: keyring ?? null,
    identity: identity ?? null,
    underlay: underlay!,
    httpToken,
    socketGid,
    cniAllocations,
  };
}

async function gid(group: string | number, p: FileProblems): Promise<number | undefined> {
  const found = await groupId(group);
  if (typeof found === 'number') return found;
  p.add('http.socketGroup', found);
  return undefined;
}

/** The underlay must exist here: an unknown interface or address fails the start, so check it. */
async function underlayOf(
  spec: AgentConfig['underlay'],
  mtu: number | undefined,
  p: FileProblems,
): Promise<Underlay | undefined> {
  try {
    return await resolveUnderlay(spec, mtu);
  } catch (error) {
    if (!(error instanceof UnderlayError)) throw error;
    p.add('underlay', error.message);
    return undefined;
  }
}
