import { mkdir } from 'node:fs/promises';
import type { Logger } from '@trellis/runtime';
import type { AgentNode } from '../agent-node.js';
import type { CniConfig } from '../config/container-settings.js';
import type { LoadedAgentConfig } from '../config/load-config.js';
import { isIPv6 } from 'node:net';
import { vtepMtu } from '../planner/desired-state.js';
import { AllocationWriter } from './allocation-file.js';
import {
  AllocationTable,
  type AddOutcome,
  type Allocation,
  type Attachment,
  type NetworkStatus,
} from './allocation-table.js';
import { CniStateError } from './cni-errors.js';
import type { MesosHalves } from './dual-stack-allocator.js';
import { ConflistFiles } from './conflist-files.js';
import { installPlugin } from './plugin-install.js';
import { taskNaming } from './task-naming.js';

/** What an ADD asks for, as the API has checked it. */
export interface AddCall extends Attachment {
  readonly args: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  readonly framework: string | undefined;
}

/** The DNS a container is given: the agent's server and the zone as search domain. */
export interface CniDns {
  readonly nameservers: readonly string[];
  readonly search: readonly string[];
}

export interface CniNetworkStatus extends NetworkStatus {
  /** Whether an ADD would get an address now. */
  readonly ready: boolean;
  readonly reason?: string;
}

export interface CniServiceOptions {
  readonly node: AgentNode;
  readonly loaded: LoadedAgentConfig;
  readonly cni: CniConfig;
  /** The API socket the plugin calls (written into every conflist). */
  readonly socket: string;
  readonly logger: Logger;
}

/**
 * The agent's side of CNI: the allocation table, persisted before every answer; the task
 * records of the containers; the plugin installed into `cni.binDir`; a conflist per overlay
 * once our slice is settled, rewritten when the slice changes.
 */
export class CniService {
  readonly table: AllocationTable;
  readonly writer: AllocationWriter;
  readonly conflists: ConflistFiles;
  readonly dns: CniDns;
  /** This agent's node id, as errors and the status name it. */
  readonly agent: string;
  readonly #o: CniServiceOptions;
  readonly #log: Logger;
  #taskErrors = 0;
  #stateErrors = 0;
  #unsubscribe: (() => void) | undefined;
  /** Writes of new allocations not yet on disk, by task id. */
  readonly #saving = new Map<string, Promise<void>>();

  constructor(opts: CniServiceOptions) {
    const { config, underlay } = opts.loaded;
    this.#o = opts;
    this.agent = config.nodeId;
    this.#log = opts.logger.child({ component: 'cni' });
    const networks = config.overlays.map((o) => o.name);
    const restored = (opts.loaded.cniAllocations ?? []).filter((a) => networks.includes(a.network));
    this.table = new AllocationTable(config.nodeId, networks, restored);
    this.writer = new AllocationWriter(config.stateDir, () => this.table.snapshot());
    this.conflists = new ConflistFiles(opts.cni.confDir, opts.socket, this.#log);
    const dns = config.dns;
    // A CNI result names servers without ports: only a server on port 53 is usable from it.
    this.dns = {
      nameservers: dns === undefined || dns.port !== 53 ? [] : [dns.host ?? underlay.ip],
      search: dns === undefined ? [] : [dns.zone],
    };
  }

  get stats(): { taskErrors: number; stateErrors: number; stateWrites: number } {
    return { taskErrors: this.#taskErrors, stateErrors: this.#stateErrors, stateWrites: this.writer.writes };
  }

  /** Installs the plugin, drops conflists of removed overlays, re-registers the tasks, follows our slices. */
  async start(): Promise<void> {
    const { config } = this.#o.loaded;
    // Only root (the agent) reads which container holds which address.
    await mkdir(config.stateDir, { recursive: true, mode: 0o700 });
    const path = await installPlugin(this.#o.cni.binDir);
    await this.conflists.removeOthers(config.overlays.map((o) => o.name));
    for (const a of this.table.list()) this.#publishTask(a);
    const onSlice = (): void => this.syncSlices();
    this.#o.node.stores.routes.on('slice', onSlice);
    this.#unsubscribe = () => this.#o.node.stores.routes.off('slice', onSlice);
    this.syncSlices();
    this.#log.info(
      { plugin: path, confDir: this.#o.cni.confDir, allocations: this.table.list().length },
      'cni ready',
    );
  }

  stop(): Promise<void> {
    this.#unsubscribe?.();
    return this.conflists.idle();
  }

  /** Our settled Mesos halves (both families) into the table; a conflist for each settled overlay. */
  syncSlices(): void {
    const { config, underlay } = this.#o.loaded;
    for (const o of config.overlays) {
      const local = this.#o.node.stores.routes.local(o.name);
      const route = local?.state === 'settled' ? local.route : undefined;
      const halves = route === undefined ? undefined : mesosHalves(route);
      this.table.handleSlice(o.name, halves);
      if (halves !== undefined)
        this.conflists.write({
          overlay: o.name,
          mtu: vtepMtu(underlay.mtu, isIPv6(underlay.ip)),
          socket: this.#o.socket,
          framework: this.#o.cni.framework,
          ...(halves.v4 === undefined ? {} : { half: halves.v4 }),
          ...(halves.v6 === undefined ? {} : { half6: halves.v6 }),
          dns: this.dns,
        });
    }
    this.#drainEvents();
  }

  /** ADD: the address (new or already held), durable on disk before this resolves. */
  async add(now: number, call: AddCall): Promise<AddOutcome> {
    const naming = taskNaming({ ...call, framework: call.framework ?? this.#o.cni.framework });
    const outcome = this.table.add(now, { ...call, ...naming });
    this.#drainEvents();
    if (!outcome.ok) return outcome;
    const id = outcome.allocation.task.id;
    // A repeated ADD (a runtime's retry) while the first is being written waits for that write:
    // no answer names an address before it is on disk.
    if (!outcome.created) return this.#saving.get(id)?.then(() => outcome) ?? outcome;
    const saving = this.writer.save().catch((error: unknown) => {
      this.table.release(call);
      this.#stateErrors++;
      this.#log.error({ err: error }, 'cni allocation not persisted: ADD refused');
      throw new CniStateError(`the allocation could not be persisted: ${(error as Error).message}`);
    });
    this.#saving.set(id, saving);
    try {
      await saving;
    } finally {
      this.#saving.delete(id);
    }
    this.#publishTask(outcome.allocation);
    return outcome;
  }

  /** DEL: releases the address and withdraws the task; nothing held is fine too. */
  async release(a: Attachment): Promise<Allocation | undefined> {
    const released = this.table.release(a);
    if (released === undefined) return undefined;
    this.#o.node.stores.tasks.withdraw(released.task.id);
    await this.#persist();
    return released;
  }

  async gc(network: string, keep: readonly { containerId: string; ifname: string }[]): Promise<Allocation[]> {
    const released = this.table.gc(network, keep);
    for (const a of released) this.#o.node.stores.tasks.withdraw(a.task.id);
    if (released.length > 0) {
      this.#log.info(
        { overlay: network, released: released.map((a) => `${a.containerId}/${a.ifname}`) },
        'cni gc released stale allocations',
      );
      await this.#persist();
    }
    return released;
  }

  status(): CniNetworkStatus[] {
    return this.table.networks.map((name) => {
      const s = this.table.status(name)!;
      const agent = this.#o.loaded.config.nodeId;
      const reason =
        s.half === null && s.half6 === null
          ? `overlay ${name}: agent ${agent} holds no settled slice yet`
          : s.full !== null
            ? `overlay ${name}: all ${s.capacity} addresses of the Mesos half ${s.full} on agent ${agent} are allocated`
            : undefined;
      return { ...s, ready: reason === undefined, ...(reason === undefined ? {} : { reason }) };
    });
  }

  async #persist(): Promise<void> {
    try {
      await this.writer.save();
    } catch (error) {
      this.#stateErrors++;
      this.#log.error({ err: error }, 'cni allocations not persisted');
      throw new CniStateError(`the allocations could not be persisted: ${(error as Error).message}`);
    }
  }

  #publishTask(a: Allocation): void {
    try {
      this.#o.node.stores.tasks.publish({
        id: a.task.id,
        name: a.task.name,
        framework: a.task.framework,
        agentIp: this.#o.loaded.underlay.ip,
        networks: [
          {
            name: a.network,
            ...(a.ipv4 === undefined ? {} : { ipv4: a.ipv4 }),
            ...(a.ipv6 === undefined ? {} : { ipv6: a.ipv6 }),
          },
        ],
      });
    } catch (error) {
      // The address stands: DNS is what fails, and it is reported.
      this.#taskErrors++;
      this.#log.warn({ err: error, task: a.task.id }, 'cni task record not published');
    }
  }

  #drainEvents(): void {
    for (let e = this.table.pollEvent(); e !== undefined; e = this.table.pollEvent()) {
      if (e.type === 'exhausted')
        this.#log.warn({ overlay: e.network, event: 'addressesExhausted' }, e.message);
      else
        this.#log.warn(
          {
            overlay: e.network,
            half: e.half,
            allocations: e.allocations.map((a) => ({
              container: a.containerId,
              ifname: a.ifname,
              ipv4: a.ipv4,
              ipv6: a.ipv6,
            })),
          },
          'cni allocations outside our slice: those containers need a restart',
        );
    }
  }
}

/** A settled route's Mesos halves, each family the overlay has. */
function mesosHalves(route: { mesosSubnet?: string; mesosSubnet6?: string }): MesosHalves {
  return {
    ...(route.mesosSubnet === undefined || route.mesosSubnet === '' ? {} : { v4: route.mesosSubnet }),
    ...(route.mesosSubnet6 === undefined ? {} : { v6: route.mesosSubnet6 }),
  };
}
