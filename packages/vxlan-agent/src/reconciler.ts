import { silentLogger, type Logger } from '@trellis/runtime';
import type { KernelState, Op } from './kernel-model.js';

/** What the reconciler needs from the kernel side (the netlink executor, or a fake in tests). */
export interface KernelExecutor {
  /**
   * Reads back only what is ours (every `vtep<N>` and `m-`/`d-` bridge, so the devices of an
   * overlay removed from the config are found and removed too). Rejects rather than returning
   * a partial dump.
   */
  observe(): Promise<KernelState>;
  apply(ops: readonly Op[]): Promise<{ readonly errors: readonly unknown[] }>;
  /** Set after a socket error or ENOBUFS: messages may have been lost. */
  readonly needsResync: boolean;
  /** Called after a pass that read and applied everything without error. */
  clearResync?(): void;
}

export interface DesiredSnapshot {
  readonly state: KernelState;
  /**
   * False right after start, until our slices have settled and the join has brought the tables:
   * a cold view must never delete entries a previous run programmed and peers still use.
   */
  readonly warm: boolean;
}

export interface ReconcilerOptions {
  readonly executor: KernelExecutor;
  readonly desired: () => DesiredSnapshot;
  readonly plan: (desired: KernelState, observed: KernelState) => Op[];
  readonly intervalMs: number;
  /** Changes within this window are coalesced into one pass. */
  readonly coalesceMs?: number;
  readonly logger?: Logger;
}

export interface ReconcileStats {
  passes: number;
  opsApplied: Record<string, number>;
  errors: number;
  lastDurationMs: number;
  lastOps: number;
  objectsOwned: number;
  deletesHeldBack: number;
  /** Wall-clock ms of the last pass, and of the last one without error (0: none yet). */
  lastPassAt: number;
  lastSuccessAt: number;
  consecutiveFailures: number;
  /** Why the last pass failed; '' after a pass without error. */
  lastError: string;
}

/**
 * Level-triggered reconciliation: read back what is ours, diff against what the converged
 * tables want, apply only the difference. Runs on start, on every table change (coalesced), on
 * a timer, and again after any error (with backoff); never two passes at once.
 */
export class Reconciler {
  readonly stats: ReconcileStats = {
    passes: 0,
    opsApplied: {},
    errors: 0,
    lastDurationMs: 0,
    lastOps: 0,
    objectsOwned: 0,
    deletesHeldBack: 0,
    lastPassAt: 0,
    lastSuccessAt: 0,
    consecutiveFailures: 0,
    lastError: '',
  };
  readonly #o: ReconcilerOptions;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | undefined;
  #interval: NodeJS.Timeout | undefined;
  #watch: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #failures = 0;
  #stopped = false;

  constructor(opts: ReconcilerOptions) {
    this.#o = opts;
    this.#log = (opts.logger ?? silentLogger).child({ component: 'reconciler' });
  }

  /** The executor lost kernel messages since the last full pass. */
  get needsResync(): boolean {
    return this.#o.executor.needsResync;
  }

  start(): void {
    this.trigger('start');
    this.#interval = setInterval(() => this.trigger('periodic'), this.#o.intervalMs);
    // A socket error or ENOBUFS between passes means lost kernel messages: resync promptly.
    this.#watch = setInterval(() => {
      if (this.#o.executor.needsResync) this.trigger('executor lost messages');
    }, 1000);
  }

  /** Asks for a pass soon; several triggers close together make one pass. */
  trigger(reason: string): void {
    if (this.#stopped) return;
    if (this.#running !== undefined) {
      this.#again = true;
      return;
    }
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#running = this.#pass(reason).finally(() => {
        this.#running = undefined;
        if (this.#again) {
          this.#again = false;
          this.trigger('changed during pass');
        }
      });
    }, this.#o.coalesceMs ?? 50);
  }

  /** Runs one pass now and waits for it (tests, shutdown). */
  async runOnce(): Promise<void> {
    await this.#running;
    this.#running = this.#pass('explicit');
    await this.#running;
    this.#running = undefined;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearInterval(this.#interval);
    clearInterval(this.#watch);
    await this.#running;
  }

  async #pass(reason: string): Promise<void> {
    const started = Date.now();
    try {
      const { state: desired, warm } = this.#o.desired();
      const observed = await this.#o.executor.observe();
      let ops = this.#o.plan(desired, observed);
      if (!warm) {
        const held = ops.filter((op) => op.op === 'delete').length;
        this.stats.deletesHeldBack += held;
        ops = ops.filter((op) => op.op === 'put');
      }
      const result = await this.#o.executor.apply(ops);
      this.stats.passes++;
      this.stats.lastOps = ops.length;
      for (const op of ops) {
        const key = `${op.op}_${op.object.kind}`;
        this.stats.opsApplied[key] = (this.stats.opsApplied[key] ?? 0) + 1;
      }
      this.stats.objectsOwned =
        desired.vteps.length +
        desired.bridges.length +
        desired.neighbors.length +
        desired.fdb.length +
        desired.routes.length;
      if (result.errors.length > 0)
        throw new AggregateError(result.errors, `${result.errors.length} kernel operations failed`);
      this.#failures = 0;
      this.stats.consecutiveFailures = 0;
      this.stats.lastError = '';
      this.stats.lastSuccessAt = Date.now();
      // This pass was a full resync (everything read back and diffed), whatever triggered it.
      this.#o.executor.clearResync?.();
      if (ops.length > 0) this.#log.info({ reason, ops: ops.length, warm }, 'kernel state reconciled');
    } catch (error) {
      this.stats.errors++;
      this.#failures++;
      this.stats.consecutiveFailures = this.#failures;
      this.stats.lastError = error instanceof Error ? error.message : String(error);
      const retryMs = Math.min(30_000, 500 * 2 ** Math.min(this.#failures, 6));
      this.#log.warn({ err: error, reason, retryMs }, 'reconcile pass failed; full resync scheduled');
      setTimeout(() => this.trigger('retry after error'), retryMs).unref();
    } finally {
      this.stats.lastDurationMs = Date.now() - started;
      this.stats.lastPassAt = Date.now();
    }
  }
}
