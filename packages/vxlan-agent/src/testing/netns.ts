/**
 * Test hosts as network namespaces (for tests, the netns demo and benchmarks): an underlay
 * bridge, hosts with a container namespace each, agents started inside them, and complete
 * cleanup. Root only; never touches the namespace it is called from.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync, rmSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Runs a command, returns stdout; throws with stderr on failure. */
export function sh(cmd: string, ...args: string[]): string {
  // Dumps of 10,000 neighbors as JSON run to megabytes.
  return execFileSync(cmd, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 256 * 1024 * 1024,
  });
}

/** A command's JSON output (`ip -j`, `bridge -j`); the caller states the shape it expects. */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- a typed parse, as JSON.parse would be
export function json<T>(cmd: string, ...args: string[]): T {
  const out = sh(cmd, ...args).trim();
  return (out === '' ? [] : JSON.parse(out)) as T;
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

export interface Host {
  readonly index: number;
  readonly ns: string;
  /** The "container" namespace attached to this host's m-<overlay> bridge. */
  readonly cns: string;
  ip: string;
  /** With `ipv6Underlay`: the host's underlay IPv6, `fd00::<index>` on the same link as `ip`. */
  ip6?: string;
}

export interface TopologyOptions {
  /** Give every host an IPv6 underlay address too (fd00::<index>/64, without DAD). */
  readonly ipv6Underlay?: boolean;
}

/**
 * Hosts as network namespaces on an underlay bridge (in a namespace of its own), each with a
 * container namespace. Everything is named with a random tag and removed by `destroy`, which
 * tests call in teardown whatever happened. The machine's own namespace is never touched.
 */
export class Topology {
  readonly tag = randomBytes(3).toString('hex');
  readonly underlay = `trl-ul-${this.tag}`;
  readonly hosts: Host[] = [];
  readonly dir = mkdtempSync(join(tmpdir(), 'trellis-e2e-'));
  readonly #namespaces: string[] = [];
  readonly #agents = new Map<number, ChildProcess>();
  readonly #ipv6: boolean;

  constructor(count: number, options: TopologyOptions = {}) {
    this.#ipv6 = options.ipv6Underlay === true;
    try {
      this.#ns(this.underlay);
      sh('ip', '-n', this.underlay, 'link', 'add', 'br0', 'type', 'bridge');
      sh('ip', '-n', this.underlay, 'link', 'set', 'br0', 'up');
      for (let i = 1; i <= count; i++) this.addHost(i);
    } catch (error) {
      this.destroy();
      throw error;
    }
  }

  addHost(i: number): Host {
    const ns = `trl-h${i}-${this.tag}`;
    const cns = `trl-c${i}-${this.tag}`;
    this.#ns(ns);
    this.#ns(cns);
    const ip = `192.168.77.${i}`;
    sh(
      'ip',
      'link',
      'add',
      `tu${i}${this.tag}`,
      'netns',
      this.underlay,
      'type',
      'veth',
      'peer',
      'name',
      'eth0',
      'netns',
      ns,
    );
    sh('ip', '-n', this.underlay, 'link', 'set', `tu${i}${this.tag}`, 'master', 'br0', 'up');
    sh('ip', '-n', ns, 'addr', 'add', `${ip}/24`, 'dev', 'eth0');
    const ip6 = this.#ipv6 ? `fd00::${i.toString(16)}` : undefined;
    // Without DAD: a tentative address cannot be bound, and these are unique by construction.
    if (ip6 !== undefined) sh('ip', '-n', ns, '-6', 'addr', 'add', `${ip6}/64`, 'dev', 'eth0', 'nodad');
    sh('ip', '-n', ns, 'link', 'set', 'eth0', 'up');
    const host: Host = { index: i, ns, cns, ip, ...(ip6 === undefined ? {} : { ip6 }) };
    this.hosts[i - 1] = host;
    return host;
  }

  host(i: number): Host {
    return this.hosts[i - 1]!;
  }

  /** Writes the agent config of host `i` and starts `trellis-agent` inside its namespace. */
  startAgent(i: number, bin: string, config: object): ChildProcess {
    const h = this.host(i);
    const file = join(this.dir, `h${i}.json`);
    writeFileSync(file, JSON.stringify(config, null, 2));
    const child = spawn('ip', ['netns', 'exec', h.ns, process.execPath, bin, '--config', file], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const log = createWriteStream(join(this.dir, `h${i}.log`), { flags: 'a' });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    this.#agents.set(i, child);
    return child;
  }

  agent(i: number): ChildProcess | undefined {
    return this.#agents.get(i);
  }

  /** Stops an agent: SIGTERM (graceful) or SIGKILL; resolves with its exit code. */
  stopAgent(i: number, signal: 'SIGTERM' | 'SIGKILL'): Promise<number | null> {
    const child = this.#agents.get(i);
    this.#agents.delete(i);
    if (child === undefined || child.exitCode !== null) return Promise.resolve(child?.exitCode ?? null);
    return new Promise((resolve) => {
      child.once('exit', (code) => resolve(code));
      // `ip netns exec` execs node, so the signal reaches the agent itself.
      child.kill(signal);
    });
  }

  /** Attaches the container namespace of host `i` to `bridge` with `ip/prefix`, gateway `gw`. */
  attachContainer(i: number, bridge: string, cidr: string, gw: string): void {
    const h = this.host(i);
    const hostEnd = `tc${i}${this.tag}`;
    sh('ip', 'link', 'add', hostEnd, 'netns', h.ns, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', h.cns);
    sh('ip', '-n', h.ns, 'link', 'set', hostEnd, 'master', bridge, 'up');
    // An IPv6 address would sit `tentative` through duplicate address detection.
    sh('ip', '-n', h.cns, 'addr', 'add', cidr, 'dev', 'eth0', ...(cidr.includes(':') ? ['nodad'] : []));
    sh('ip', '-n', h.cns, 'link', 'set', 'eth0', 'up');
    sh('ip', '-n', h.cns, 'route', 'add', 'default', 'via', gw);
  }

  /** Gives host `i`'s container (attached already) an IPv6 address `cidr6` and default route via `gw6`. */
  addContainerIpv6(i: number, cidr6: string, gw6: string): void {
    const h = this.host(i);
    sh('ip', '-n', h.cns, '-6', 'addr', 'add', cidr6, 'dev', 'eth0', 'nodad');
    sh('ip', '-n', h.cns, '-6', 'route', 'add', 'default', 'via', gw6);
  }

  /** Removes one host entirely (its agent must be stopped first). */
  removeHost(i: number): void {
    const h = this.host(i);
    for (const ns of [h.cns, h.ns]) this.#delete(ns);
  }

  destroy(): void {
    for (const child of this.#agents.values()) if (child.exitCode === null) child.kill('SIGKILL');
    this.#agents.clear();
    for (const ns of [...this.#namespaces].reverse()) this.#delete(ns);
    rmSync(this.dir, { recursive: true, force: true });
  }

  logs(i: number): string {
    try {
      const lines = execFileSync('cat', [join(this.dir, `h${i}.log`)], { encoding: 'utf8' }).split('\n');
      return lines
        .filter((l) => !l.includes('"level":20'))
        .slice(-30)
        .join('\n');
    } catch {
      return '';
    }
  }

  #ns(name: string): void {
    sh('ip', 'netns', 'add', name);
    this.#namespaces.push(name);
    sh('ip', '-n', name, 'link', 'set', 'lo', 'up');
  }

  #delete(name: string): void {
    const i = this.#namespaces.indexOf(name);
    if (i < 0) return;
    this.#namespaces.splice(i, 1);
    try {
      sh('ip', 'netns', 'del', name);
    } catch {
      // already gone
    }
  }
}

export async function until(check: () => boolean, timeoutMs: number, stepMs = 200): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    let ok: boolean;
    try {
      ok = check();
    } catch {
      ok = false; // e.g. a device that does not exist yet
    }
    if (ok) return true;
    if (Date.now() >= end) return false;
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
