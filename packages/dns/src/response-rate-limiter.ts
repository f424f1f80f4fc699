import { hash } from 'node:crypto'; // a keyed hash: pure, no I/O

export interface RateLimitSettings {
  /** Credits earned per second by each account, and the most it can hold. */
  readonly responsesPerSecond: number;
  /** How deep in debt an account may go, in seconds of credit. */
  readonly windowSeconds: number;
  /** Every `slip`-th limited response is sent truncated; 0 never. */
  readonly slip: number;
  /** Buckets in each of the two rows. */
  readonly tableSize: number;
}

/** What to do with one response: send it, send it truncated (TC) instead, or send nothing. */
export type RateDecision = 'send' | 'slip' | 'drop';

/** Row count: a key is limited only when every one of its buckets is in debt. */
const ROWS = 2;
const SECRET_BYTES = 16;

/**
 * Response-rate limiting as BIND does it (sans-IO: the caller passes `now`). Each key, a client
 * prefix plus the response it would get, has an account that earns `responsesPerSecond` credits
 * a second, capped at that many (one second of burst), and pays one credit per response. A
 * response that leaves the account negative is limited; the debt floors at `windowSeconds` of
 * credit, so a flood must stop for up to that long before it is answered again, while a client
 * under the rate never is.
 *
 * Memory is fixed: accounts live in two rows of `tableSize` buckets, a key's bucket in each row
 * chosen by a hash keyed with a per-server secret. Nothing is ever evicted, so no amount of
 * other traffic resets a limited key to a fresh account; at the bound, keys share buckets, which
 * can only limit more, never less. An innocent key is limited only when both of its buckets are
 * in debt: a flood of F responses per second over the rate keeps at most F / rate buckets per
 * row in debt, so that happens with probability (F / rate / tableSize)², and then the innocent
 * client still gets every `slip`-th answer as TC and retries over TCP. The secret makes it
 * impossible to aim a flood at someone else's buckets.
 */
export class ResponseRateLimiter {
  readonly #settings: RateLimitSettings;
  readonly #perMs: number;
  readonly #floor: number;
  readonly #secret: string;
  /** Row-major: row r, bucket i is at r * tableSize + i. */
  readonly #balance: Float64Array;
  /** When the bucket was last settled; -Infinity means never, i.e. a full account. */
  readonly #settled: Float64Array;
  /** Limited responses seen per row-0 bucket, modulo `slip`. */
  readonly #slipCount: Uint8Array;

  constructor(settings: RateLimitSettings, secret: Uint8Array) {
    if (settings.responsesPerSecond <= 0) throw new RangeError('responsesPerSecond must be positive');
    if (secret.length < SECRET_BYTES) throw new RangeError(`secret must be at least ${SECRET_BYTES} bytes`);
    this.#settings = settings;
    this.#perMs = settings.responsesPerSecond / 1000;
    this.#floor = -settings.windowSeconds * settings.responsesPerSecond;
    this.#secret = Buffer.from(secret).toString('hex');
    this.#balance = new Float64Array(ROWS * settings.tableSize).fill(settings.responsesPerSecond);
    this.#settled = new Float64Array(ROWS * settings.tableSize).fill(-Infinity);
    this.#slipCount = new Uint8Array(settings.tableSize);
  }

  /** Charges one response to `key` at `now` (milliseconds, monotonic) and says what to send. */
  check(now: number, key: string): RateDecision {
    const digest = hash('sha256', this.#secret + key, 'buffer');
    const size = this.#settings.tableSize;
    const first = digest.readUInt32LE(0) % size;
    let best = -Infinity;
    for (let row = 0; row < ROWS; row++) {
      const bucket = row === 0 ? first : row * size + (digest.readUInt32LE(row * 4) % size);
      best = Math.max(best, this.#charge(now, bucket));
    }
    if (best >= 0) return 'send';
    const slip = this.#settings.slip;
    if (slip === 0) return 'drop';
    const seen = this.#slipCount[first]!;
    this.#slipCount[first] = (seen + 1) % slip;
    // The first limited response slips: a real client learns at once to ask over TCP.
    return seen === 0 ? 'slip' : 'drop';
  }

  #charge(now: number, bucket: number): number {
    const elapsed = Math.max(0, now - this.#settled[bucket]!);
    const earned = Math.min(
      this.#settings.responsesPerSecond,
      this.#balance[bucket]! + elapsed * this.#perMs,
    );
    const balance = Math.max(this.#floor, earned - 1);
    this.#balance[bucket] = balance;
    this.#settled[bucket] = now;
    return balance;
  }
}
