import type { Logger } from '@trellis/runtime';
import type { AgentNode } from '../agent-node.js';
import { DockerApi, DockerError } from './docker-api.js';
import { initialDockerStats, type DockerStats } from './docker-stats.js';
import { containerTask, dockerTaskId, isDockerTaskId } from './docker-containers.js';
import {
  createBody,
  differences,
  dockerNetworkSpec,
  parseInspected,
  type InspectedNetwork,
} from './docker-network-spec.js';

export interface DockerOverlaysOptions {
  readonly socket: string;
  /** Overlays (by name) the agent keeps a Docker network for. */
  readonly overlays: readonly string[];
  /** The VTEP's MTU: the networks' MTU. */
  readonly mtu: number;
  /** This agent's IP, the tasks' `agentip`. */
  readonly agentIp: string;
  readonly resyncIntervalMs: number;
  readonly logger: Logger;
}

const retryMinMs = 500;
const retryMaxMs = 30_000;
/** Events come in bursts (a container connects, starts...): one sync after the burst. */
const coalesceMs = 50;

/**
 * Docker's half of each overlay, kept by the agent: one Docker network per overlay (bridge
 * `d-<overlay>`, our Docker half, the VTEP's MTU, no masquerade), created once the slice is
 * settled, recreated when the slice changes and no container is attached, left alone when
 * unchanged (across agent restarts too), removed with the overlay. Every container attached to
 * one gets a task record, withdrawn when it leaves the network (Docker's `disconnect` event, sent
 * when a container stops). A daemon that is down or restarts is reported and retried, never fatal.
 */
export class DockerOverlays {
  readonly stats: DockerStats = initialDockerStats();
  readonly #reportedIpv6Only = new Set<string>();
  readonly #api: DockerApi;
  readonly #node: AgentNode;
  readonly #o: DockerOverlaysOptions;
  readonly #log: Logger;
  #events: { close(): void } | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #syncing = false;
  #again = false;
  #failures = 0;
  #stopped = false;
  readonly #onSlice = () => this.trigger(0);

  constructor(node: AgentNode, o: DockerOverlaysOptions) {
    this.#api = new DockerApi(o.socket);
    this.#node = node;
    this.#o = o;
    this.#log = o.logger.child({ component: 'docker' });
  }

  start(): void {
    this.#node.stores.routes.on('slice', this.#onSlice);
    this.trigger(0);
  }

  stop(): void {
    this.#stopped = true;
    this.#node.stores.routes.off('slice', this.#onSlice);
    clearTimeout(this.#timer);
    this.#events?.close();
  }

  /** A sync after `delayMs` (the sooner of this and one already planned). */
  trigger(delayMs = coalesceMs): void {
    if (this.#stopped) return;
    if (this.#syncing) {
      this.#again = true;
      return;
    }
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#sync(), delayMs);
  }

  async #sync(): Promise<void> {
    this.#syncing = true;
    try {
      if (!this.#running) this.#follow();
      const networks = await this.#keepNetworks();
      await this.#keepTasks(networks);
      this.stats.syncs++;
      this.#failures = 0;
      this.#markUp();
    } catch (error) {
      this.#failed(error);
    } finally {
      this.#syncing = false;
    }
    if (this.#stopped) return;
    const again = this.#again;
    this.#again = false;
    const backoff = Math.min(retryMaxMs, retryMinMs * 2 ** Math.max(0, this.#failures - 1));
    this.trigger(again ? coalesceMs : this.#failures > 0 ? backoff : this.#o.resyncIntervalMs);
  }

  /** Each overlay's network as it should be; returns what is there after. */
  async #keepNetworks(): Promise<Map<string, InspectedNetwork>> {
    const kept = new Map<string, InspectedNetwork>();
    for (const overlay of this.#o.overlays) {
      const local = this.#node.stores.routes.local(overlay);
      const found = await this.#inspect(overlay);
      if (local?.state !== 'settled' || local.route === undefined) {
        // No slice yet (or lost): a network from an earlier run stays until we know the slice.
        if (found !== undefined) kept.set(overlay, found);
        continue;
      }
      const spec = dockerNetworkSpec(overlay, local.route, this.#o.mtu);
      if (spec === undefined) {
        // A network left from when the overlay had IPv4 routes nothing now: removed once empty,
        // and its containers' addresses never published.
        this.#unsupported(overlay);
        if (found?.ours === true && found.containers.size === 0) {
          await this.#expect(this.#api.call('DELETE', `/networks/${found.id}`), [204, 404], 'remove network');
          this.stats.networksRemoved++;
        }
        continue;
      }
      if (found !== undefined) {
        const diff = differences(spec, found);
        if (diff.length === 0) {
          kept.set(overlay, found);
          continue;
        }
        if (found.containers.size > 0 || !found.ours) {
          this.stats.networksBusy++;
          this.#log.warn(
            { overlay, differences: diff, containers: found.containers.size, ours: found.ours },
            'docker network differs from our slice; kept while containers are attached (or not ours)',
          );
          kept.set(overlay, found);
          continue;
        }
        await this.#expect(this.#api.call('DELETE', `/networks/${found.id}`), [204, 404], 'remove network');
        this.stats.networksRemoved++;
        this.#log.info({ overlay, differences: diff }, 'docker network recreated for a changed slice');
      }
      await this.#expect(
        this.#api.call('POST', '/networks/create', createBody(spec)),
        [201],
        'create network',
      );
      this.stats.networksCreated++;
      this.#log.info(
        { overlay, subnet: spec.subnet, subnet6: spec.subnet6, bridge: spec.bridge },
        'docker network created',
      );
      const made = await this.#inspect(overlay);
      if (made !== undefined) kept.set(overlay, made);
    }
    await this.#removeStale();
    return kept;
  }

  #unsupported(overlay: string): void {
    if (this.#reportedIpv6Only.has(overlay)) return;
    this.#reportedIpv6Only.add(overlay);
    this.stats.networksUnsupported++;
    this.#log.warn(
      { overlay },
      'IPv6-only overlay: no Docker network (Docker 20.10 cannot make one without IPv4)',
    );
  }

  /** Networks we made for overlays no longer configured, once no container uses them. */
  async #removeStale(): Promise<void> {
    const filters = encodeURIComponent(JSON.stringify({ label: ['trellis.overlay'] }));
    const list = await this.#expect(
      this.#api.call('GET', `/networks?filters=${filters}`),
      [200],
      'list networks',
    );
    for (const raw of Array.isArray(list) ? (list as unknown[]) : []) {
      const name = (raw as { Name?: unknown }).Name;
      if (typeof name !== 'string' || this.#o.overlays.includes(name)) continue;
      const n = await this.#inspect(name);
      if (n === undefined || !n.ours || n.containers.size > 0) continue;
      await this.#expect(this.#api.call('DELETE', `/networks/${n.id}`), [204, 404], 'remove network');
      this.stats.networksRemoved++;
      this.#log.info({ network: name }, 'docker network of a removed overlay deleted');
    }
  }

  /** A task per attached container; ours of containers gone are withdrawn. */
  async #keepTasks(networks: ReadonlyMap<string, InspectedNetwork>): Promise<void> {
    const tasks = this.#node.stores.tasks;
    const published = new Map(
      tasks
        .local()
        .filter((e) => isDockerTaskId(e.id))
        .map((e) => [e.id, e]),
    );
    const attached = new Set<string>();
    for (const n of networks.values()) for (const id of n.containers.keys()) attached.add(id);
    const overlays = new Set(networks.keys());
    for (const id of attached) {
      const taskId = dockerTaskId(id);
      const body = (await this.#api.call('GET', `/containers/${id}/json`)).body;
      const input = containerTask(body, overlays, this.#o.agentIp);
      if (input === undefined) continue;
      const known = published.get(taskId);
      published.delete(taskId);
      if (known !== undefined && sameTask(known, input)) continue;
      try {
        tasks.publish(input);
        this.stats.tasksPublished++;
      } catch (error) {
        this.#log.warn({ err: error, container: id }, 'container task refused');
      }
    }
    for (const id of published.keys()) {
      tasks.withdraw(id);
      this.stats.tasksWithdrawn++;
    }
  }

  async #inspect(name: string): Promise<InspectedNetwork | undefined> {
    const r = await this.#api.call('GET', `/networks/${encodeURIComponent(name)}`);
    if (r.status === 404) return undefined;
    if (r.status !== 200)
      throw new DockerError(`docker: inspect network ${name} answered ${r.status}`, r.status);
    return parseInspected(r.body);
  }

  async #expect(p: Promise<{ status: number; body: unknown }>, ok: number[], what: string): Promise<unknown> {
    const r = await p;
    if (!ok.includes(r.status)) {
      const message = (r.body as { message?: unknown } | undefined)?.message;
      const why = typeof message === 'string' ? message : '';
      throw new DockerError(`docker: ${what} answered ${r.status}: ${why}`, r.status);
    }
    return r.body;
  }

  /** Network connects and disconnects bring a sync; a lost stream marks Docker down. */
  #follow(): void {
    this.#running = true;
    this.#events = this.#api.events(
      { type: ['network'], event: ['connect', 'disconnect', 'destroy'] },
      () => this.trigger(),
      (error) => {
        this.#running = false;
        if (this.#stopped) return;
        this.#failed(error ?? new DockerError('docker: the event stream ended'));
        this.trigger(retryMinMs);
      },
    );
  }

  #markUp(): void {
    if (!this.stats.up) this.#log.info({ socket: this.#o.socket }, 'docker reachable');
    this.stats.up = true;
    this.stats.lastError = null;
  }

  #failed(error: unknown): void {
    this.#failures++;
    this.stats.errors++;
    const message = error instanceof Error ? error.message : String(error);
    if (this.stats.up || this.stats.lastError !== message)
      this.#log.warn({ socket: this.#o.socket, err: message }, 'docker unavailable; retrying');
    this.stats.up = false;
    this.stats.lastError = message;
  }
}

type Nets = readonly { name: string; ipv4?: string; ipv6?: string }[];

function sameTask(
  a: { name: string; framework: string; networks: Nets },
  b: { name: string; framework: string; networks?: Nets },
): boolean {
  const nets = (n: Nets | undefined) =>
    JSON.stringify((n ?? []).map((x) => [x.name, x.ipv4 ?? '', x.ipv6 ?? '']));
  return a.name === b.name && a.framework === b.framework && nets(a.networks) === nets(b.networks);
}
