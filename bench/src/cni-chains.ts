/**
 * The two CNI chains the CNI benchmark races, on one throwaway host (a network namespace): the
 * trellis chain (the standard `bridge` plugin over the `trellis` IPAM plugin, exactly the
 * conflist a running trellis-agent wrote) and the standard chain DC/OS used (`bridge` over
 * `host-local`), each driven as a runtime drives it: one plugin exec per call, the network
 * config on stdin, the CNI_* environment, inside the host's namespace.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Topology, sh } from '@trellis/vxlan-agent/testing';

export type Impl = 'trellis' | 'host-local';

/** Debian's containernetworking-plugins. */
export const standardPluginDir = '/usr/lib/cni';

const agentBin = fileURLToPath(
  new URL('../../../packages/vxlan-agent/dist/src/bin/trellis-agent.js', import.meta.url),
);

export interface Chain {
  readonly impl: Impl;
  /** The single plugin's network config, as libcni hands it over: `{ cniVersion, name, ...plugin }`. */
  readonly netConfig: string;
  readonly cniPath: string;
}

export interface CallResult {
  readonly ms: number;
  readonly code: number | null;
  readonly stdout: string;
}

/** What is missing to run this bench, each with what to install. */
export function missingTools(): string[] {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('root (it makes network namespaces)');
  if (!existsSync(join(standardPluginDir, 'bridge')) || !existsSync(join(standardPluginDir, 'host-local')))
    missing.push('the standard CNI plugins (apt-get install containernetworking-plugins)');
  if (spawnSync('sh', ['-c', 'command -v nsenter']).status !== 0)
    missing.push('nsenter (apt-get install util-linux)');
  return missing;
}

/** One host running a trellis-agent with CNI on, and both chains configured on it. */
export class CniHost {
  readonly topo = new Topology(1);
  readonly binDir = join(this.topo.dir, 'bin');
  readonly confDir = join(this.topo.dir, 'net.d');
  readonly #containers: string[] = [];
  #seq = 0;

  startAgent(): void {
    const ip = this.topo.host(1).ip;
    this.topo.startAgent(1, agentBin, {
      nodeId: 'h1',
      bind: `${ip}:7946`,
      seeds: [],
      plaintext: true,
      identity: 'none',
      profile: 'local',
      underlay: { ip },
      overlays: [{ name: 'dcos', subnet: '9.0.0.0/8' }],
      routes: { settleMs: 300 },
      dns: {},
      http: { socket: join(this.topo.dir, 'agent.sock') },
      stateDir: join(this.topo.dir, 'state'),
      cni: { binDir: this.binDir, confDir: this.confDir },
    });
  }

  /** Both chains once the agent wrote its conflist; undefined if it did not within `timeoutMs`. */
  async chains(timeoutMs: number): Promise<Chain[] | undefined> {
    const file = join(this.confDir, 'dcos.conflist');
    const end = Date.now() + timeoutMs;
    while (!existsSync(file)) {
      if (Date.now() > end || this.topo.agent(1)?.exitCode !== null) return undefined;
      await new Promise((r) => setTimeout(r, 100));
    }
    const list = JSON.parse(readFileSync(file, 'utf8')) as { cniVersion: string; plugins: object[] };
    const trellis = { cniVersion: list.cniVersion, name: 'dcos', ...list.plugins[0] };
    const hostLocal = {
      cniVersion: list.cniVersion,
      name: 'hl',
      type: 'bridge',
      bridge: 'hl0',
      isGateway: true,
      ipMasq: false,
      hairpinMode: true,
      mtu: 1450,
      ipam: { type: 'host-local', subnet: '10.250.0.0/16', dataDir: join(this.topo.dir, 'host-local') },
    };
    writeFileSync(join(this.topo.dir, 'host-local.json'), JSON.stringify(hostLocal));
    const cniPath = `${this.binDir}:${standardPluginDir}`;
    return [
      { impl: 'trellis', netConfig: JSON.stringify(trellis), cniPath },
      { impl: 'host-local', netConfig: JSON.stringify(hostLocal), cniPath },
    ];
  }

  /** A fresh container network namespace (not timed: a runtime makes it before ADD). */
  container(): { id: string; netns: string } {
    const name = `trl-cb-${this.topo.tag}-${this.#seq++}`;
    sh('ip', 'netns', 'add', name);
    this.#containers.push(name);
    return { id: `bench${name.replaceAll('-', '')}`, netns: `/run/netns/${name}` };
  }

  /** One plugin call, timed from spawn to exit, run in the host's namespace as a runtime would. */
  call(chain: Chain, command: 'ADD' | 'DEL', c: { id: string; netns: string }): Promise<CallResult> {
    const started = process.hrtime.bigint();
    return new Promise((resolve, reject) => {
      const child = spawn(
        'nsenter',
        [`--net=/run/netns/${this.topo.host(1).ns}`, join(standardPluginDir, 'bridge')],
        {
          env: {
            PATH: process.env.PATH ?? '',
            CNI_COMMAND: command,
            CNI_CONTAINERID: c.id,
            CNI_NETNS: c.netns,
            CNI_IFNAME: 'eth0',
            CNI_PATH: chain.cniPath,
            CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAME=${c.id}`,
          },
          stdio: ['pipe', 'pipe', 'pipe'],
        },
      );
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.resume();
      child.on('error', reject);
      child.on('close', (code) =>
        resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, code, stdout }),
      );
      child.stdin.end(chain.netConfig);
    });
  }

  /** Deletes every container namespace, stops the agent and removes the host; never throws. */
  async destroy(): Promise<void> {
    for (const name of this.#containers.splice(0))
      try {
        sh('ip', 'netns', 'del', name);
      } catch {
        // already gone
      }
    await this.topo.stopAgent(1, 'SIGTERM').catch(() => null);
    this.topo.destroy();
  }
}

/** The address an ADD result gives the container. */
export function resultAddress(stdout: string): string | undefined {
  try {
    const r = JSON.parse(stdout) as { ips?: { address?: string }[] };
    return r.ips?.[0]?.address;
  } catch {
    return undefined;
  }
}
