import { performance } from 'node:perf_hooks';
import { silentLogger, type Logger, type Scheduler } from '@trellis/runtime';
import type { KernelState, Op } from './kernel-model.js';

/** How often the executor's `needsResync` flag is looked at between passes. */
const watchIntervalMs = 1000;
/** The first retry after a failed pass; doubled for each failure in a row, up to the maximum. */
const retryFirstMs = 500;
const retryMaxMs = 30_000;

/** The wait before the retry after `failures` failed passes in a row: 500 ms, 1 s, 2 s, ... 30 s. */
export function retryDelayMs(failures: number): number {
  return Math.min(retryMaxMs, retryFirstMs * 2 ** Math.min(Math.max(failures - 1, 0), 16));
}

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
  /**
   * Every timer and clock reading (coalescing, periodic resync, the executor watch, the retry
   * backoff, `lastPassAt`): `realScheduler` in the daemon, virtual time in tests.
   */
  readonly scheduler: Scheduler;
}

export interface ReconcileStats {
  passes: number;
  opsApplied: Record<string, number>;
  errors: number;
  /** A statistic only, measured on the monotonic clock (not the scheduler's). */
  lastDurationMs: number;
  lastOps: number;
  objectsOwned: number;
  deletesHeldBack: number;
  /** Scheduler time (wall-clock ms in the daemon) of the last pass, and of the last one without error (0: none yet). */
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
  readonly #clock: Scheduler;
  #cancelCoalesce: (() => void) | undefined;
  #cancelPeriodic: (() => void) | undefined;
  #cancelWatch: (() => void) | undefined;
  #cancelRetry: (() => void) | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #failures = 0;
  #started = false;
  #stopped = false;

  constructor(opts: ReconcilerOptions) {
    this.#o = opts;
    this.#log = (opts.logger ?? silentLogger).child({ component: 'reconciler' });
    this.#clock = opts.scheduler;
  }

  /** The executor lost kernel messages since the last full pass. */
  get needsResync(): boolean {
    return this.#o.executor.needsResync;
  }

  /** Runs a pass soon, then every `intervalMs`. A second call, or one after `stop()`, does nothing. */
  start(): void {
    if (this.#started || this.#stopped) return;
    this.#started = true;
    this.trigger('start');
    this.#cancelPeriodic = this.#every(this.#o.intervalMs, () => this.trigger('periodic'));
    // A socket error or ENOBUFS between passes means lost kernel messages: resync promptly.
    this.#cancelWatch = this.#every(watchIntervalMs, () => {
      if (this.#o.executor.needsResync) this.trigger('executor lost messages');
    });
  }

  /** Asks for a pass soon; several triggers close together make one pass. */
  trigger(reason: string): void {
    if (this.#stopped) return;
    if (this.#running !== undefined) {
      this.#again = true;
      return;
    }
    if (this.#cancelCoalesce !== undefined) return;
    this.#cancelCoalesce = this.#clock.schedule(this.#clock.now() + (this.#o.coalesceMs ?? 50), () => {
      this.#cancelCoalesce = undefined;
      // An explicit pass may have started meanwhile: never two at once.
      if (this.#running === undefined) void this.#startPass(reason);
      else this.#again = true;
    });
  }

  /** Runs one pass now and waits for it (tests, shutdown); never alongside another pass. */
  async runOnce(): Promise<void> {
    // Checked again after every wait: another caller may have started a pass in between.
    while (this.#running !== undefined) await this.#running;
    await this.#startPass('explicit');
  }

  /** Resolves when no pass is running (a pass the last one asked for may still be scheduled). */
  async idle(): Promise<void> {
    while (this.#running !== undefined) await this.#running;
  }

  /** Cancels every timer and waits for a pass in flight; no pass starts after this. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const cancel of [this.#cancelCoalesce, this.#cancelPeriodic, this.#cancelWatch, this.#cancelRetry])
      cancel?.();
    this.#cancelCoalesce = this.#cancelPeriodic = this.#cancelWatch = this.#cancelRetry = undefined;
    await this.idle();
  }

  /** Calls `fn` every `ms`, re-armed from each firing; returns the cancel function. */
  #every(ms: number, fn: () => void): () => void {
    let cancel = (): void => {};
    const arm = (): void => {
      cancel = this.#clock.schedule(this.#clock.now() + ms, () => {
        fn();
        arm();
      });
    };
    arm();
    return () => cancel();
  }

  /** Starts a pass (the caller made sure none is running); a trigger during it asks for another. */
  #startPass(reason: string): Promise<void> {
    const run = this.#pass(reason).finally(() => {
      this.#running = undefined;
      if (this.#again) {
        this.#again = false;
        this.trigger('changed during pass');
      }
    });
    this.#running = run;
    return run;
  }

  async #pass(reason: string): Promise<void> {
    const started = performance.now();
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
      this.stats.lastSuccessAt = this.#clock.now();
      // Nothing left to retry: a pending retry would only repeat this pass.
      this.#cancelRetry?.();
      this.#cancelRetry = undefined;
      // This pass was a full resync (everything read back and diffed), whatever triggered it.
      this.#o.executor.clearResync?.();
      if (ops.length > 0) this.#log.info({ reason, ops: ops.length, warm }, 'kernel state reconciled');
    } catch (error) {
      this.stats.errors++;
      this.#failures++;
      this.stats.consecutiveFailures = this.#failures;
      this.stats.lastError = error instanceof Error ? error.message : String(error);
      const retryMs = retryDelayMs(this.#failures);
      this.#log.warn({ err: error, reason, retryMs }, 'reconcile pass failed; full resync scheduled');
      this.#retryIn(retryMs);
    } finally {
      this.stats.lastDurationMs = performance.now() - started;
      this.stats.lastPassAt = this.#clock.now();
    }
  }

  /** One retry at a time: a later failure replaces the pending retry with its longer wait. */
  #retryIn(ms: number): void {
    this.#cancelRetry?.();
    this.#cancelRetry = undefined;
    if (this.#stopped) return;
    this.#cancelRetry = this.#clock.schedule(this.#clock.now() + ms, () => {
      this.#cancelRetry = undefined;
      this.trigger('retry after error');
    });
  }
}
