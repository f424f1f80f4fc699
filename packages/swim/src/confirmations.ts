import type { Address } from '@trellis/runtime';
import type { MemberTable } from '@trellis/membership';

/** How far a peer's direct-exchange reply is believed: all its live records, or its own only. */
export type Vouch = 'all' | 'self';

/**
 * Which members have shown they exist. A member record is only a claim: anyone can gossip one
 * for a node that never ran. A member is confirmed once a message naming it as its sender
 * arrives from its own address (its ping, its ack to our verification ping, its own record), or
 * once a member vouches for it: its record arrives in gossip from a confirmed member's address,
 * or in a join or push-pull reply from a peer we dialed. Honest nodes gossip and answer with
 * records only of members they confirmed themselves (News, `confirmedRecords`), so a forged
 * record injected into one node is not laundered through it; a member that lies (an insider, or
 * a spoofed source address in a plaintext cluster) can still vouch for fakes, which is what
 * owner-signed records are for. Until then the member is not probed by the regular round,
 * not asked to relay probes, not gossiped to or synced with, and not counted in the cluster
 * size that sizes suspicion timeouts: a fake cannot blind the failure detector. Live
 * unconfirmed members are held in `pending`, the order verification pings go round in.
 */
export class Confirmations {
  readonly #table: MemberTable;
  readonly #confirmed = new Set<string>();
  /** The addresses confirmed members had when confirmed (checked against the table on use). */
  readonly #addrs = new Map<Address, string>();
  /** Live unconfirmed members and how many verification pings each left unanswered. */
  readonly #pending = new Map<string, number>();
  readonly #onConfirmed: (id: string) => void;
  #voucher: { readonly peer: Address; readonly vouch: Vouch } | undefined;

  constructor(table: MemberTable, onConfirmed: (id: string) => void) {
    this.#table = table;
    this.#onConfirmed = onConfirmed;
  }

  has(id: string): boolean {
    return id === this.#table.selfId || this.#confirmed.has(id);
  }

  /** Alive or suspect members nobody has confirmed to us. */
  get unconfirmedLive(): number {
    return this.#pending.size;
  }

  /** `id` became alive or suspect. */
  up(id: string): void {
    if (!this.has(id)) this.#pending.set(id, 0);
  }

  /** `id` became dead or left. */
  down(id: string): void {
    this.#pending.delete(id);
  }

  confirm(id: string): void {
    if (this.has(id)) return;
    this.#confirmed.add(id);
    const addr = this.#table.get(id)?.addr;
    if (addr !== undefined) this.#addrs.set(addr, id);
    if (this.#pending.delete(id)) this.#onConfirmed(id);
  }

  /** A message naming `src` as its sender came from `from`: if that is src's address, it exists. */
  heard(from: Address, src: string): void {
    if (this.#table.get(src)?.addr === from) this.confirm(src);
  }

  /** Whether `from` is the address of a confirmed member (or ours). */
  confirmedAddr(from: Address): boolean {
    const id = this.#addrs.get(from);
    return id !== undefined && this.has(id) && this.#table.get(id)?.addr === from;
  }

  /** Runs `merge` with the records it merges counted as vouched for by `peer`. */
  vouching(peer: Address, vouch: Vouch, merge: () => void): void {
    const outer = this.#voucher;
    this.#voucher = { peer, vouch };
    try {
      merge();
    } finally {
      this.#voucher = outer;
    }
  }

  /** Whether a record about `id` at `addr`, merged now from `from`, comes with a voucher. */
  vouched(from: Address, addr: Address): boolean {
    const v = this.#voucher;
    return v !== undefined && v.peer === from && (v.vouch === 'all' || addr === from);
  }

  /**
   * Up to `k` live unconfirmed members to verify now, each with the number of verification
   * pings it left unanswered before this one; they go to the back of the round.
   */
  nextToVerify(k: number): { id: string; misses: number }[] {
    const out: { id: string; misses: number }[] = [];
    for (const [id, misses] of this.#pending) {
      if (out.length >= k) break;
      out.push({ id, misses });
    }
    for (const { id, misses } of out) {
      this.#pending.delete(id);
      this.#pending.set(id, misses + 1);
    }
    return out;
  }

  /** After accusing an unverified member: count its misses from zero again. */
  resetMisses(id: string): void {
    if (this.#pending.has(id)) this.#pending.set(id, 0);
  }

  /** Forgets members the table no longer holds (swept tombstones). */
  prune(): void {
    for (const id of this.#confirmed) if (this.#table.get(id) === undefined) this.#confirmed.delete(id);
    for (const [addr, id] of this.#addrs) if (this.#table.get(id)?.addr !== addr) this.#addrs.delete(addr);
  }
}
