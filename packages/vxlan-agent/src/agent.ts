import { createNode, realScheduler } from '@trellis/node';
import { routeStore } from '@trellis/routes';
import { taskStore } from '@trellis/tasks';
import type { AgentNode } from './agent-node.js';
import { DnsServer } from '@trellis/dns';
import type { Logger } from '@trellis/runtime';
import type { AgentConfig } from './config/agent-config.js';
import type { LoadedAgentConfig } from './config/load-config.js';
import type { Underlay } from './config/underlay.js';
import { nodeApiSource } from './http/api-source.js';
import { startHttpApi, type HttpApi } from './http/http-api.js';
import { HttpStats } from './http/http-stats.js';
import { createMetrics } from './metrics.js';
import { desiredState } from './planner/desired-state.js';
import { plan } from './planner/plan.js';
import { Reconciler, type KernelExecutor } from './reconciler.js';
import { resumeSlices } from './resume.js';

const settleViewMs = 1000;

export interface Agent {
  readonly node: AgentNode;
  readonly reconciler: Reconciler;
  readonly underlay: Underlay;
  readonly http: HttpApi;
  /** The DNS server, when the config has a `dns` section. */
  readonly dns: DnsServer | undefined;
  /** Graceful: withdraw our routes, gossip the leave, stop reconciling (kernel state stays). */
  stop(): Promise<void>;
}

export interface StartAgentOptions {
  readonly logger: Logger;
  readonly executor: KernelExecutor;
  /** How long to hold back deletions after start while tables are not warm yet. */
  readonly warmupMaxMs?: number;
}

/**
 * The daemon's composition: a gossip node routing the configured overlays, this host's route
 * published on each, and a reconciler keeping the kernel equal to the converged tables. Takes
 * a config `loadAgentConfig` has checked with everything it names.
 */
export async function startAgent(loaded: LoadedAgentConfig, opts: StartAgentOptions): Promise<Agent> {
  const log = opts.logger;
  const { config, keyring, underlay } = loaded;
  const node = await createNode({
    id: config.nodeId,
    bind: config.bind,
    ...(config.advertise === undefined ? {} : { advertise: config.advertise }),
    seeds: config.seeds,
    profile: config.profile,
    // An agent never gives up joining: its seeds may come up after it (a cluster booting).
    swim: { joinAttemptsMax: 0, ...config.swim },
    keyring,
    label: config.label,
    stores: {
      routes: routeStore({ overlays: config.overlays, config: config.routes }),
      tasks: taskStore(config.tasks),
    },
    logger: log,
  });
  // Deletions wait until our view of the cluster is complete: a join (full state from a seed)
  // or a completed push-pull. A seed restarting alone learns its peers when they ping it.
  // The exchange's records reach the converged tables after the store's recompute delay; give
  // it a second before trusting the view enough to delete anything.
  let syncedAt: number | undefined;
  const onSynced = (): void => {
    if (syncedAt !== undefined) return;
    syncedAt = Date.now();
    setTimeout(() => trigger('view complete'), settleViewMs).unref();
  };
  node.on('joined', onSynced);
  node.on('synced', onSynced);
  // A restart continues the slices our VTEPs still carry: peers see no change, nothing blips.
  const resume = resumeSlices(config.overlays, await opts.executor.observe());
  for (const o of config.overlays) {
    const slice = resume.get(o.name);
    const v = config.vtep[o.name];
    node.stores.routes.publish(o.name, {
      underlayIp: underlay.ip,
      ...(slice === undefined ? {} : { resumeSlice: slice }),
      ...(v?.mac === undefined ? {} : { vtepMac: v.mac }),
      ...(v?.ip === undefined ? {} : { vtepIp: v.ip }),
    });
    if (slice !== undefined) log.info({ overlay: o.name, slice }, 'resuming the slice found in the kernel');
  }
  // Kernel passes wait until every listener is up (see below).
  let live = false;
  const trigger = (why: string): void => {
    if (live) reconciler.trigger(why);
  };
  const startedAt = Date.now();
  const warmupMaxMs = opts.warmupMaxMs ?? 60_000;
  const isWarm = (): boolean =>
    Date.now() - startedAt > warmupMaxMs ||
    (syncedAt !== undefined &&
      Date.now() - syncedAt >= settleViewMs &&
      config.overlays.every((o) => node.stores.routes.local(o.name)?.state === 'settled'));
  const reconciler = new Reconciler({
    executor: opts.executor,
    plan,
    intervalMs: config.resyncIntervalMs,
    logger: log,
    scheduler: realScheduler,
    desired: () => ({
      warm: isWarm(),
      state: desiredState(
        config.overlays.map((overlay) => {
          const local = node.stores.routes.local(overlay.name);
          return {
            overlay,
            local: local?.state === 'settled' ? local.route : undefined,
            remotes: node.stores.routes.table(overlay.name),
            underlayMtu: underlay.mtu,
            bridges: config.bridges,
          };
        }),
      ).state,
    }),
  });
  node.stores.routes.on('changed', () => trigger('routes changed'));
  node.stores.routes.on('slice', (e) => {
    log.info({ event: e.type, overlay: e.overlay }, 'own slice');
    trigger(e.type);
  });
  let dns: DnsServer | undefined;
  let http: HttpApi;
  try {
    dns = config.dns === undefined ? undefined : await startDns(node, config, underlay, log);
    const httpStats = new HttpStats();
    http = await startHttpApi({
      http: config.http,
      token: loaded.httpToken,
      socketGid: loaded.socketGid,
      source: nodeApiSource(node, createMetrics(node, reconciler, dns, httpStats), reconciler),
      agentIp: underlay.ip,
      logger: log,
      stats: httpStats,
    });
    // Only now: a start that fails on a listener leaves the kernel as it found it.
    live = true;
    reconciler.start();
  } catch (error) {
    // A port in use, no permission for port 53: undo what started, the caller reports the error.
    await dns?.close();
    await reconciler.stop();
    await node.close();
    throw error;
  }
  log.info(
    {
      node: config.nodeId,
      address: node.address,
      underlay,
      http: { socket: http.socketPath, tcp: config.http.listen ?? 'off' },
      dns: dns?.address === undefined ? 'off' : `${dns.address.host}:${dns.address.port}`,
    },
    'trellis-agent started',
  );
  return {
    node,
    reconciler,
    underlay,
    http,
    dns,
    async stop() {
      await node.leave();
      await reconciler.stop();
      await dns?.close();
      await http.close();
      await node.close();
    },
  };
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
    { ...config.dns, host: config.dns?.host ?? underlay.ip },
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
