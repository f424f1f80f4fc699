import { isIP } from 'node:net';
import { join } from 'node:path';
import { readSmallFile } from '../config/config-file.js';
import type { FileProblems } from '../config/file-problems.js';
import type { Allocation } from './allocation-table.js';
import { writeFileAtomic } from './atomic-file.js';

/** The allocations file under the state directory. */
export const allocationFileName = 'cni-allocations.json';

/** 65,536 allocations per network (the allocator's bound) of about 300 bytes fit several times. */
const fileBytesMax = 256 * 1024 * 1024;

interface AllocationFile {
  readonly version: 1;
  readonly allocations: readonly Allocation[];
}

/**
 * The allocations a previous run persisted; [] when there is no file yet. A file that is there
 * but unreadable or malformed is a problem of the start (listed with the config's): serving ADD
 * without it could hand out an address a running container holds.
 */
export async function loadAllocations(stateDir: string, p: FileProblems): Promise<Allocation[]> {
  const path = join(stateDir, allocationFileName);
  const read = await readSmallFile(path, fileBytesMax);
  if (!read.ok) {
    if (read.message === 'does not exist') return [];
    p.file('stateDir', path, read);
    return [];
  }
  let value: unknown;
  try {
    value = JSON.parse(read.text);
  } catch {
    p.add('stateDir', `${path} is not valid JSON: fix or remove it (the agent wrote it atomically)`);
    return [];
  }
  const list = (value as Partial<AllocationFile> | null)?.allocations;
  if ((value as Partial<AllocationFile> | null)?.version !== 1 || !Array.isArray(list)) {
    p.add('stateDir', `${path} is not an allocation file of version 1`);
    return [];
  }
  const bad = list.findIndex((a) => !isAllocation(a));
  if (bad >= 0) {
    p.add('stateDir', `${path}: allocations[${bad}] is malformed`);
    return [];
  }
  return list as Allocation[];
}

function isAllocation(v: unknown): v is Allocation {
  if (typeof v !== 'object' || v === null) return false;
  const a = v as Record<string, unknown>;
  const text = (k: unknown) => typeof k === 'string' && k.length > 0 && k.length <= 255;
  const task = a.task as Record<string, unknown> | null | undefined;
  const v4 = family(a.ipv4, a.gateway, a.prefixLength, 4);
  const v6 = family(a.ipv6, a.gateway6, a.prefixLength6, 6);
  return (
    text(a.network) &&
    text(a.containerId) &&
    text(a.ifname) &&
    v4 !== false &&
    v6 !== false &&
    (v4 === true || v6 === true) &&
    Number.isFinite(a.allocatedAt) &&
    typeof task === 'object' &&
    task !== null &&
    text(task.id) &&
    text(task.name) &&
    text(task.framework)
  );
}

/**
 * One family's fields of an allocation: true when all three are there and valid, undefined when
 * none is (the overlay lacks that family), false for anything in between.
 */
function family(ip: unknown, gateway: unknown, prefix: unknown, version: 4 | 6): boolean | undefined {
  if (ip === undefined && gateway === undefined && prefix === undefined) return undefined;
  const bits = version === 4 ? 32 : 128;
  return (
    typeof ip === 'string' &&
    isIP(ip) === version &&
    typeof gateway === 'string' &&
    isIP(gateway) === version &&
    Number.isInteger(prefix) &&
    (prefix as number) > 0 &&
    (prefix as number) <= bits
  );
}

/**
 * Writes the allocations file whole or not at all (`writeFileAtomic`, mode 0600). Writes are
 * serialized and grouped: `save()` resolves once a write that began after the call is on disk,
 * so 100 ADDs at once cost a few writes, not 100, and none is answered before it is durable.
 */
export class AllocationWriter {
  readonly #path: string;
  readonly #snapshot: () => readonly Allocation[];
  #running: Promise<void> | undefined;
  #next: Promise<void> | undefined;
  #writes = 0;

  constructor(stateDir: string, snapshot: () => readonly Allocation[]) {
    this.#path = join(stateDir, allocationFileName);
    this.#snapshot = snapshot;
  }

  /** How many times the file was written. */
  get writes(): number {
    return this.#writes;
  }

  save(): Promise<void> {
    // A next write is queued: it starts after this call, so it covers it.
    if (this.#next !== undefined) return this.#next;
    if (this.#running === undefined) return this.#start();
    // One write is in progress with an older state: everyone asking now shares the next one.
    this.#next ??= this.#running
      .catch(() => undefined)
      .then(() => {
        this.#next = undefined;
        return this.#start();
      });
    return this.#next;
  }

  #start(): Promise<void> {
    const run = this.#write().finally(() => {
      if (this.#running === run) this.#running = undefined;
    });
    this.#running = run;
    return run;
  }

  async #write(): Promise<void> {
    const body: AllocationFile = { version: 1, allocations: this.#snapshot() };
    await writeFileAtomic(this.#path, `${JSON.stringify(body)}\n`, 0o600);
    this.#writes++;
  }
}
