import { DnsServer } from '@trellis/dns';
import type { Logger } from '@trellis/runtime';
import type { AgentNode } from './agent-node.js';
import type { AgentReconciler } from './agent-reconciler.js';
import type { AgentConfig } from './config/agent-config.js';
import type { LoadedAgentConfig } from './config/load-config.js';
import type { Underlay } from './config/underlay.js';
import { nodeApiSource } from './http/api-source.js';
import { startHttpApi, type HttpApi } from './http/http-api.js';
import { HttpStats } from './http/http-stats.js';
import { createMetrics } from './metrics.js';
import type { DockerOverlays } from './docker/docker-overlays.js';
import type { CniService } from './cni/cni-service.js';

export interface AgentListeners {
  readonly http: HttpApi;
  /** The DNS server, when the config has a `dns` section. */
  readonly dns: DnsServer | undefined;
}

/**
 * The DNS server (when configured) and the HTTP API with its metrics. A listener that fails
 * (a port in use, no permission for port 53) closes the one already started and rethrows.
 */
export async function startListeners(
  node: AgentNode,
  loaded: LoadedAgentConfig,
  kernel: AgentReconciler,
  log: Logger,
  sides: { readonly docker?: DockerOverlays | undefined; readonly cni?: CniService | undefined } = {},
): Promise<AgentListeners> {
  const { docker, cni } = sides;
  const { config, underlay } = loaded;
  const dns = config.dns === undefined ? undefined : await startDns(node, config, underlay, log);
  try {
    const stats = new HttpStats();
    const metrics = createMetrics({
      node,
      reconciler: kernel.reconciler,
      warnings: kernel.warnings,
      ...(dns === undefined ? {} : { dns }),
      ...(docker === undefined ? {} : { docker }),
      http: stats,
      ...(cni === undefined ? {} : { cni }),
    });
    const http = await startHttpApi({
      http: config.http,
      token: loaded.httpToken,
      socketGid: loaded.socketGid,
      source: nodeApiSource(node, metrics, kernel.reconciler, { cni, dnsZone: dns?.config.zone }),
      agentIp: underlay.ip,
      logger: log,
      stats,
    });
    return { http, dns };
  } catch (error) {
    await dns?.close();
    throw error;
  }
}

/**
 * Serves the converged task view; every change of it (coalesced by the store) swaps the zone.
 * Listens on the underlay IP unless the config names a host: agents' resolvers are pointed at
 * that address, and a wildcard would also answer on interfaces nobody meant to serve.
 */
async function startDns(
  node: AgentNode,
  config: AgentConfig,
  underlay: Underlay,
  log: Logger,
): Promise<DnsServer> {
  const dns = new DnsServer(
    {
      ...config.dns,
      host: config.dns?.host ?? underlay.ip,
      // Containers of one agent share its slice: exempt the overlays unless the config says.
      rrlExempt: config.dns?.rrlExempt ?? overlayRanges(config.overlays),
    },
    { logger: log, entries: node.stores.tasks.list() },
  );
  const update = (): void => void dns.update(node.stores.tasks.list());
  try {
    await dns.start();
  } catch (error) {
    await dns.close();
    throw error;
  }
  node.stores.tasks.on('changed', update);
  // Changes while binding: the listener was not there yet.
  update();
  return dns;
}

/** Every subnet of every overlay (IPv4 and IPv6): where this agent's containers ask from. */
function overlayRanges(overlays: AgentConfig['overlays']): string[] {
  return overlays.flatMap((o) => [o.subnet, o.subnet6].filter((s): s is string => s !== undefined));
}
