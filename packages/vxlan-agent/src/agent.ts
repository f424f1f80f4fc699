import { isIPv6 } from 'node:net';
import { realScheduler } from '@trellis/node';
import type { DnsServer } from '@trellis/dns';
import type { Logger } from '@trellis/runtime';
import { createAgentNode, type AgentNode } from './agent-node.js';
import { startListeners, type AgentListeners } from './agent-listeners.js';
import { agentReconciler, type AgentReconciler } from './agent-reconciler.js';
import type { LoadedAgentConfig } from './config/load-config.js';
import type { Underlay } from './config/underlay.js';
import type { HttpApi } from './http/http-api.js';
import { DockerOverlays } from './docker/docker-overlays.js';
import { publishOwnRoutes } from './own-routes.js';
import { vtepMtu } from './planner/desired-state.js';
import type { Reconciler, KernelExecutor } from './reconciler.js';
import { WarmView } from './warm-view.js';
import { CniService } from './cni/cni-service.js';
import { EgressKeeper, type EgressDriver } from './egress/nft-egress.js';

export interface Agent {
  readonly node: AgentNode;
  readonly reconciler: Reconciler;
  readonly underlay: Underlay;
  readonly http: HttpApi;
  /** The DNS server, when the config has a `dns` section. */
  readonly dns: DnsServer | undefined;
  /** Docker's half of the overlays, when the config has a `docker` section. */
  readonly docker: DockerOverlays | undefined;
  /** The CNI side (allocations, conflists, plugin), when the config has a `cni` section. */
  readonly cni: CniService | undefined;
  /** The egress masquerade keeper, when the agent was given a driver for it. */
  readonly egress: EgressKeeper | undefined;
  /** Graceful: withdraw our routes, gossip the leave, stop reconciling (kernel state stays). */
  stop(): Promise<void>;
}

export interface StartAgentOptions {
  readonly logger: Logger;
  readonly executor: KernelExecutor;
  /** How long to hold back deletions after start while tables are not warm yet. */
  readonly warmupMaxMs?: number;
  /** Programs egress masquerade (the daemon gives `nft`); absent: no egress rules at all. */
  readonly egress?: EgressDriver;
}

/**
 * The daemon's composition: a gossip node routing the configured overlays, this host's route
 * published on each, and a reconciler keeping the kernel equal to the converged tables. Takes
 * a config `loadAgentConfig` has checked with everything it names.
 */
export async function startAgent(loaded: LoadedAgentConfig, opts: StartAgentOptions): Promise<Agent> {
  const log = opts.logger;
  const node = await createAgentNode(loaded, log);
  let kernel: AgentReconciler | undefined;
  const view = new WarmView(node, loaded.config.overlays, {
    scheduler: realScheduler,
    warmupMaxMs: opts.warmupMaxMs ?? 60_000,
    onComplete: () => kernel?.trigger('view complete'),
  });
  const docker = dockerOverlays(node, loaded, log);
  let listeners: AgentListeners | undefined;
  const { cni: cniConfig, egress: egressConfig } = loaded.config;
  const cni =
    cniConfig === undefined
      ? undefined
      : new CniService({ node, loaded, cni: cniConfig, socket: loaded.config.http.socket, logger: log });
  const egress =
    opts.egress === undefined
      ? undefined
      : new EgressKeeper(loaded.config.overlays, egressConfig.masquerade, opts.egress, log);
  try {
    publishOwnRoutes(node, loaded, await opts.executor.observe(), log);
    kernel = agentReconciler(node, loaded, view, { ...opts, scheduler: realScheduler });
    listeners = await startListeners(node, loaded, kernel, log, { docker, cni });
    // Only now: a start that fails on a listener leaves the kernel as it found it.
    kernel.start();
    await cni?.start();
    await egress?.start(loaded.config.resyncIntervalMs);
    docker?.start();
  } catch (error) {
    // A port in use, no permission for port 53, a binDir we may not write: undo what started.
    view.stop();
    docker?.stop();
    egress?.stop();
    await cni?.stop();
    await listeners?.http.close();
    await listeners?.dns?.close();
    await kernel?.stop();
    await node.close();
    throw error;
  }
  logStarted(log, node, loaded, listeners);
  const { http, dns } = listeners;
  const { reconciler } = kernel;
  return {
    node,
    reconciler,
    underlay: loaded.underlay,
    http,
    dns,
    docker,
    cni,
    egress,
    async stop() {
      // No task published after the leave: Docker's side stops first (its networks stay).
      docker?.stop();
      await node.leave();
      view.stop();
      egress?.stop();
      await cni?.stop();
      await reconciler.stop();
      await dns?.close();
      await http.close();
      await node.close();
    },
  };
}

function dockerOverlays(node: AgentNode, loaded: LoadedAgentConfig, log: Logger): DockerOverlays | undefined {
  const d = loaded.config.docker;
  if (d === undefined) return undefined;
  return new DockerOverlays(node, {
    socket: d.socket,
    overlays: loaded.config.overlays.map((o) => o.name),
    mtu: vtepMtu(loaded.underlay.mtu, isIPv6(loaded.underlay.ip)),
    agentIp: loaded.underlay.ip,
    resyncIntervalMs: d.resyncIntervalMs,
    logger: log,
  });
}

function logStarted(log: Logger, node: AgentNode, loaded: LoadedAgentConfig, l: AgentListeners): void {
  log.info(
    {
      node: loaded.config.nodeId,
      address: node.address,
      underlay: loaded.underlay,
      http: { socket: l.http.socketPath, tcp: loaded.config.http.listen ?? 'off' },
      dns: l.dns?.address === undefined ? 'off' : `${l.dns.address.host}:${l.dns.address.port}`,
      docker: loaded.config.docker?.socket ?? 'off',
      // What protects this agent's records and traffic, said once where an operator looks first.
      identity: loaded.identity === null ? 'none' : 'on',
      keyring: loaded.keyring === null ? 'plaintext' : 'on',
    },
    'trellis-agent started',
  );
}
