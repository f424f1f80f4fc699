import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Logger } from '@trellis/runtime';
import { egressScript, type EgressOverlay } from './egress-rules.js';

/** Applies an egress script; rejects with what nft said. */
export type EgressDriver = (script: string) => Promise<void>;

const nftTimeoutMs = 10_000;

/**
 * nftables' own binary, from the system directories first: a PATH that starts with
 * node_modules/.bin (any npm script) finds @vercel/nft's `nft`, a file tracer that takes the
 * script, prints nothing and exits 0.
 */
const systemNft = ['/usr/sbin/nft', '/sbin/nft', '/usr/local/sbin/nft', '/usr/bin/nft'];
export const nftBinary = (): string => systemNft.find((p) => existsSync(p)) ?? 'nft';

/** `nft -f -` with the script on stdin, in this process's network namespace. */
export const nftDriver: EgressDriver = (script) =>
  new Promise((resolve, reject) => {
    const child = spawn(nftBinary(), ['-f', '-'], {
      stdio: ['pipe', 'ignore', 'pipe'],
      timeout: nftTimeoutMs,
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(new Error(e.code === 'ENOENT' ? 'nft is not installed (apt-get install nftables)' : e.message)),
    );
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(stderr.trim() || `nft exited ${code}`)),
    );
    child.stdin.end(script);
  });

/**
 * Keeps the agent's masquerade table as the config says: at start and then every `everyMs`
 * (level-triggered, so a flushed or edited table comes back). A failure is logged and counted,
 * never fatal: the overlay works without egress.
 */
export class EgressKeeper {
  readonly #script: string;
  readonly #driver: EgressDriver;
  readonly #log: Logger;
  #timer: ReturnType<typeof setInterval> | undefined;
  #failing = false;
  readonly stats = { applied: 0, errors: 0 };

  constructor(overlays: readonly EgressOverlay[], masquerade: boolean, driver: EgressDriver, log: Logger) {
    this.#script = egressScript(overlays, masquerade);
    this.#driver = driver;
    this.#log = log.child({ component: 'egress' });
  }

  async start(everyMs: number): Promise<void> {
    await this.apply();
    this.#timer = setInterval(() => void this.apply(), everyMs);
    this.#timer.unref();
  }

  async apply(): Promise<void> {
    try {
      await this.#driver(this.#script);
      this.stats.applied++;
      if (this.#failing) this.#log.info({}, 'egress masquerade programmed again');
      this.#failing = false;
    } catch (error) {
      this.stats.errors++;
      // Once per failing episode, not every period.
      if (!this.#failing) this.#log.warn({ err: error }, 'egress masquerade not programmed');
      this.#failing = true;
    }
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
