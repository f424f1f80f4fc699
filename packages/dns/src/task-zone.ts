import { isIPv4, isIPv6 } from 'node:net'; // pure string checks, no I/O
import { type TaskEntry, dnsLabel } from '@trellis/tasks';
import type { DnsConfig } from './dns-config.js';
import { relativeName } from './dns-name.js';

/** What the zone needs from the config. */
export type ZoneSettings = Pick<DnsConfig, 'zone' | 'ttlSeconds' | 'nsName' | 'nsAddresses'>;

/** The addresses one name owns. A name with none is still a name: it answers NODATA, not NXDOMAIN. */
export interface NameRecords {
  readonly a: readonly string[];
  readonly aaaa: readonly string[];
}

/** The three name forms under the zone, as in DC/OS Virtual Network Service DNS. */
export const nameForms = ['containerip', 'autoip', 'agentip'] as const;

/** Entries the zone could not serve; the store should have refused them, so these are counted, not thrown. */
export interface ZoneSkips {
  /** Tasks whose name or framework has an empty DNS label. */
  readonly tasks: number;
  /** Container or agent addresses that are not plain IPv4/IPv6 text. */
  readonly addresses: number;
}

const NO_RECORDS: NameRecords = Object.freeze({ a: Object.freeze([]), aaaa: Object.freeze([]) });

/** Below this many addresses a linear scan deduplicates faster than allocating a Set. */
const SCAN_MAX = 8;

/**
 * The addresses of one name while the zone is built. Most names have one or two, so they are
 * plain arrays (a Set per name made garbage collection the main cost of a rebuild); a name shared
 * by many tasks switches to a Set so that deduplication stays linear.
 */
class Builder {
  readonly a: string[] = [];
  readonly aaaa: string[] = [];
  #seen: Set<string> | undefined;

  /** The finished records: the same arrays, without the builder's bookkeeping. */
  records(): NameRecords {
    return { a: this.a, aaaa: this.aaaa };
  }

  add(from: Addresses): void {
    for (const ip of from.a) this.#add(this.a, ip);
    for (const ip of from.aaaa) this.#add(this.aaaa, ip);
  }

  #add(list: string[], ip: string): void {
    if (this.#seen === undefined) {
      if (list.includes(ip)) return;
      list.push(ip);
      if (this.a.length + this.aaaa.length > SCAN_MAX) this.#seen = new Set([...this.a, ...this.aaaa]);
    } else if (!this.#seen.has(ip)) {
      this.#seen.add(ip);
      list.push(ip);
    }
  }
}

/**
 * An immutable snapshot of the names served: every name relative to the zone (lower-case) maps
 * to its A and AAAA addresses. Built in one pass over the task table, so the owner rebuilds it
 * on every change instead of patching it (10,000 tasks take a few milliseconds, see the bench).
 */
export class TaskZone {
  readonly settings: ZoneSettings;
  /** SOA serial: the owner bumps it on every rebuild so secondaries and caches can tell. */
  readonly serial: number;
  readonly skipped: ZoneSkips;
  readonly #names: ReadonlyMap<string, NameRecords>;

  private constructor(
    settings: ZoneSettings,
    serial: number,
    names: ReadonlyMap<string, NameRecords>,
    skipped: ZoneSkips,
  ) {
    this.settings = settings;
    this.serial = serial;
    this.#names = names;
    this.skipped = skipped;
  }

  static build(entries: readonly TaskEntry[], settings: ZoneSettings, serial = 1): TaskZone {
    const names = new Map<string, NameRecords | Builder>();
    const at = (name: string): Builder => {
      const found = names.get(name);
      if (found instanceof Builder) return found;
      const b = new Builder();
      names.set(name, b);
      return b;
    };
    const frameworks = new Set<string>();
    let skippedTasks = 0;
    let skippedAddresses = 0;
    names.set('', NO_RECORDS);
    for (const entry of entries) {
      const task = dnsLabel(entry.name);
      const framework = dnsLabel(entry.framework);
      if (task === '' || framework === '') {
        skippedTasks++;
        continue;
      }
      frameworks.add(framework);
      const container = addresses(entry.networks.flatMap((n) => [n.ipv4, n.ipv6]));
      const agent = addresses([entry.agentIp]);
      skippedAddresses += container.invalid + agent.invalid;
      const name = `${task}.${framework}`;
      at(`${name}.containerip`).add(container);
      at(`${name}.agentip`).add(agent);
      // A task on a virtual network is reached there; a host-network task only at its agent.
      at(`${name}.autoip`).add(container.a.length + container.aaaa.length > 0 ? container : agent);
    }
    // Empty non-terminals exist and must answer NODATA, not NXDOMAIN (RFC 8020).
    for (const framework of frameworks)
      for (const form of nameForms) {
        if (!names.has(form)) names.set(form, NO_RECORDS);
        if (!names.has(`${framework}.${form}`)) names.set(`${framework}.${form}`, NO_RECORDS);
      }
    const ns = relativeName(settings.nsName, settings.zone);
    if (ns !== undefined) {
      at(ns).add(addresses(settings.nsAddresses));
      for (let dot = ns.indexOf('.'); dot !== -1; dot = ns.indexOf('.', dot + 1))
        if (!names.has(ns.slice(dot + 1))) names.set(ns.slice(dot + 1), NO_RECORDS);
    }
    const records = new Map<string, NameRecords>();
    for (const [name, b] of names) records.set(name, b instanceof Builder ? b.records() : b);
    return new TaskZone(settings, serial, records, { tasks: skippedTasks, addresses: skippedAddresses });
  }

  /** The zone with no tasks: only the apex and the NS name. */
  static empty(settings: ZoneSettings, serial = 1): TaskZone {
    return TaskZone.build([], settings, serial);
  }

  /** The records of a name relative to the zone (lower-case; `''` is the apex), or undefined if no such name. */
  lookup(relative: string): NameRecords | undefined {
    return this.#names.get(relative);
  }

  /** Names served, including the apex and empty non-terminals. */
  get nameCount(): number {
    return this.#names.size;
  }
}

interface Addresses {
  readonly a: readonly string[];
  readonly aaaa: readonly string[];
  readonly invalid: number;
}

/**
 * Splits addresses by family. Anything else (a typo, a scoped `fe80::1%eth0` that has no wire
 * form) is counted and left out rather than allowed to break the encoding of every answer.
 */
function addresses(ips: readonly (string | undefined)[]): Addresses {
  const a: string[] = [];
  const aaaa: string[] = [];
  let invalid = 0;
  for (const ip of ips) {
    if (ip === undefined) continue;
    if (isIPv4(ip)) a.push(ip);
    // Lower-cased so that `FE80::1` and `fe80::1` count as one address.
    else if (isIPv6(ip) && !ip.includes('%')) aaaa.push(ip.toLowerCase());
    else invalid++;
  }
  return { a, aaaa, invalid };
}
