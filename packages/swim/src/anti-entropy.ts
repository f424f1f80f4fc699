import type { Address, Instant } from '@trellis/runtime';
import {
  diffBuckets,
  diffEntries,
  isBucketAggregates,
  isDigestEntries,
  isDigestRoot,
  rootsEqual,
} from '@trellis/membership';
import type { AntiEntropySection } from './anti-entropy-section.js';
import type { Vouch } from './confirmations.js';
import type { ReplyHandler, SwimContext } from './context.js';
import { MergeSlices } from './merge-slices.js';
import { wireSize } from './wire-size.js';

type Sections = ReadonlyMap<string, AntiEntropySection>;

/**
 * Records a join exchange carries beside the sections, under `key`, that nobody vouches for
 * (the membership section's live members we have not confirmed): the receiver merges them into
 * `section` as it would third-party gossip. Peers that do not know `key` ignore it.
 */
export interface Hearsay {
  readonly key: string;
  readonly section: string;
  records(): unknown[];
}
type Dict = Record<string, unknown>;

const entriesMax = 1_000_000;

/**
 * Push-pull anti-entropy, digest first: (1) roots only, a few bytes per section, and nothing
 * more when replicas agree; (2) bucket aggregates of the sections that differ; (3) the entry
 * versions of the differing buckets, answered with the records the other side lacks and a list
 * of the keys wanted back; (4) those records. Bytes grow with the difference, not the table.
 * A join skips the digest and swaps full state, which is what a new node needs anyway.
 *
 * The responder keeps no state between rounds: each request carries what it needs.
 */
export class AntiEntropy {
  readonly #ctx: SwimContext;
  readonly #sections: Sections;
  readonly #hearsay: Hearsay | undefined;
  readonly #slices: MergeSlices;

  constructor(ctx: SwimContext, sections: Sections, hearsay?: Hearsay) {
    this.#ctx = ctx;
    this.#sections = sections;
    this.#hearsay = hearsay;
    this.#slices = new MergeSlices(ctx);
  }

  /** The `merge` timer: the next slice of a large merge. */
  onMergeTimer(now: Instant): void {
    this.#slices.drain(now);
  }

  /** Records of earlier merges still waiting for their slice. */
  get pendingRecords(): number {
    return this.#slices.pending;
  }

  /**
   * Starts a digest exchange with `peer`. `done(ok)` runs when it ends. The member records of
   * its reply count as vouched for by `peer` as far as `vouch` says.
   */
  start(_now: Instant, peer: Address, vouch: Vouch, done: (at: Instant, ok: boolean) => void): void {
    const roots: Dict = {};
    for (const [name, s] of this.#sections) roots[name] = s.digest().root();
    this.#send(peer, { t: 'pp', r: roots }, (at, reply) => {
      const b = field(reply, 'pp1', 'b');
      if (b === undefined) return done(at, false);
      this.#round2(at, peer, vouch, b, (ok) => done(at, ok));
    });
  }

  /**
   * Full-state exchange used by join. `done(at, error)` runs when it ends: `error` is
   * `undefined` on success, else the request's error (the driver's reason, such as
   * `ECONNREFUSED` or a timeout) or `badReply` for an answer that is not a join reply.
   */
  join(_now: Instant, seed: Address, done: (at: Instant, error: string | undefined) => void): void {
    this.#send(seed, { t: 'join', x: this.#all() }, (at, reply, error) => {
      if (error !== undefined) return done(at, error);
      const x = field(reply, 'joinr', 'x');
      if (x === undefined) return done(at, 'badReply');
      // The seed is the operator's choice: what it answers is vouched for, hearsay aside.
      this.#mergeAll(at, seed, x, 'all');
      done(at, undefined);
    });
  }

  /** Answers one anti-entropy request from a peer; `undefined` if it is not one of ours. */
  handleRequest(now: Instant, from: Address, msg: Dict): object | undefined {
    switch (msg.t) {
      case 'join':
        if (!isDict(msg.x)) return this.#bad(from);
        this.#mergeAll(now, from, msg.x);
        return { t: 'joinr', x: this.#all() };
      case 'pp':
        return isDict(msg.r) ? { t: 'pp1', b: this.#bucketsWhereRootsDiffer(msg.r) } : this.#bad(from);
      case 'pp2':
        return isDict(msg.e) ? { t: 'pp2r', x: this.#answerEntries(msg.e) } : this.#bad(from);
      case 'pp3':
        if (!isDict(msg.x)) return this.#bad(from);
        this.#mergeAll(now, from, msg.x);
        return { t: 'ok' };
      default:
        return undefined;
    }
  }

  #round2(_now: Instant, peer: Address, vouch: Vouch, theirBuckets: Dict, done: (ok: boolean) => void): void {
    const ask: Dict = {};
    for (const [name, buckets] of Object.entries(theirBuckets)) {
      const s = this.#sections.get(name);
      if (s === undefined || !isBucketAggregates(buckets, s.digest().bucketCount)) continue;
      const differ = diffBuckets(s.digest().buckets(), buckets);
      if (differ === undefined || differ.length === 0) continue;
      ask[name] = { b: differ, e: s.digest().entries(differ) };
    }
    if (Object.keys(ask).length === 0) return done(true);
    this.#send(peer, { t: 'pp2', e: ask }, (at, reply) => {
      const x = field(reply, 'pp2r', 'x');
      if (x === undefined) return done(false);
      const back: Dict = {};
      for (const [name, part] of Object.entries(x)) {
        const s = this.#sections.get(name);
        if (s === undefined || !isDict(part)) continue;
        const recs = part.recs;
        if (Array.isArray(recs)) this.#slices.add(s, peer, recs, vouch);
        if (Array.isArray(part.want) && part.want.every((k) => typeof k === 'string')) {
          back[name] = s.records(part.want);
        }
      }
      this.#slices.drain(at);
      if (Object.keys(back).length === 0) return done(true);
      this.#send(peer, { t: 'pp3', x: back }, () => done(true));
    });
  }

  #bucketsWhereRootsDiffer(roots: Dict): Dict {
    const out: Dict = {};
    for (const [name, s] of this.#sections) {
      const theirs = roots[name];
      const mine = s.digest().root();
      if (isDigestRoot(theirs) && rootsEqual(theirs, mine)) continue;
      out[name] = s.digest().buckets();
    }
    return out;
  }

  #answerEntries(asked: Dict): Dict {
    const out: Dict = {};
    for (const [name, part] of Object.entries(asked)) {
      const s = this.#sections.get(name);
      if (s === undefined || !isDict(part) || !isBucketList(part.b, s.digest().bucketCount)) continue;
      if (!isDigestEntries(part.e, entriesMax)) continue;
      const theirs = part.e;
      const mine = s.digest().entries(part.b);
      const differing = diffEntries(mine, theirs);
      const theirKeys = new Set(theirs.map((e) => e[0]));
      const mineKeys = new Set(mine.map((e) => e[0]));
      out[name] = {
        recs: s.records(differing.filter((k) => mineKeys.has(k))),
        want: differing.filter((k) => theirKeys.has(k)),
      };
    }
    return out;
  }

  #all(): Dict {
    const x: Dict = {};
    for (const [name, s] of this.#sections) x[name] = s.allRecords();
    const heard = this.#hearsay?.records() ?? [];
    // Only when there is any: a settled cluster's join exchange stays what it always was.
    if (heard.length > 0) x[this.#hearsay!.key] = heard;
    return x;
  }

  /** Merges a full state; a reply's records (not the hearsay) count as vouched for by `vouch`. */
  #mergeAll(now: Instant, from: Address, x: Dict, vouch?: Vouch): void {
    for (const [name, recs] of Object.entries(x)) {
      const s = this.#sections.get(name);
      if (s !== undefined && Array.isArray(recs)) this.#slices.add(s, from, recs, vouch);
    }
    const h = this.#hearsay;
    const heard = h === undefined ? undefined : x[h.key];
    const section = h === undefined ? undefined : this.#sections.get(h.section);
    if (section !== undefined && Array.isArray(heard)) this.#slices.add(section, from, heard);
    this.#slices.drain(now);
  }

  #send(peer: Address, msg: object, onReply: ReplyHandler): void {
    this.#ctx.stats.pushPullBytesEstimated += wireSize(msg);
    this.#ctx.request(peer, msg, this.#ctx.config.streamTimeoutMs, (at, reply, error) => {
      if (error === undefined) this.#ctx.stats.pushPullBytesEstimated += wireSize(reply);
      onReply(at, error === undefined ? reply : undefined, error);
    });
  }

  #bad(from: Address): object {
    this.#ctx.reject(from, 'malformedAntiEntropy');
    return { t: 'err', reason: 'malformed' };
  }
}

function isDict(x: unknown): x is Dict {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Uint8Array);
}

function isBucketList(x: unknown, bucketCount: number): x is number[] {
  return (
    Array.isArray(x) &&
    x.length <= bucketCount &&
    x.every((b) => Number.isInteger(b) && (b as number) >= 0 && (b as number) < bucketCount)
  );
}

/** `reply[key]` if `reply` is a `{ t, key: object }` message of the expected type. */
function field(reply: unknown, t: string, key: string): Dict | undefined {
  if (!isDict(reply) || reply.t !== t) return undefined;
  const v = reply[key];
  return isDict(v) ? v : undefined;
}
