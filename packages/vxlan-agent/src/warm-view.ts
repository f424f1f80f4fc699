import type { Instant, Scheduler } from '@trellis/runtime';
import type { Overlay } from '@trellis/routes';
import type { AgentNode } from './agent-node.js';

/** The exchange's records reach the converged tables after the store's recompute delay. */
const settleViewMs = 1000;

export interface WarmViewOptions {
  readonly scheduler: Scheduler;
  /** Past this long after start the view counts as warm whatever happened. */
  readonly warmupMaxMs: number;
  /** Called once, `settleViewMs` after the view became complete. */
  readonly onComplete: () => void;
}

/**
 * Whether the agent's view of the cluster is complete enough to delete kernel entries. Deletions
 * wait for a join (full state from a seed) or a completed push-pull, a second more for the
 * records to reach the converged tables, and our own slices settled; a seed restarting alone
 * learns its peers when they ping it, so after `warmupMaxMs` the view is trusted anyway.
 * Created right after the node, before anything awaits, so no `joined` is missed.
 */
export class WarmView {
  readonly #node: AgentNode;
  readonly #overlays: readonly Overlay[];
  readonly #o: WarmViewOptions;
  readonly #startedAt: Instant;
  #syncedAt: Instant | undefined;
  #cancelSettle: (() => void) | undefined;

  constructor(node: AgentNode, overlays: readonly Overlay[], opts: WarmViewOptions) {
    this.#node = node;
    this.#overlays = overlays;
    this.#o = opts;
    this.#startedAt = opts.scheduler.now();
    const onSynced = (): void => {
      if (this.#syncedAt !== undefined) return;
      this.#syncedAt = opts.scheduler.now();
      this.#cancelSettle = opts.scheduler.schedule(this.#syncedAt + settleViewMs, () => {
        this.#cancelSettle = undefined;
        opts.onComplete();
      });
    };
    node.on('joined', onSynced);
    node.on('synced', onSynced);
  }

  isWarm(): boolean {
    const now = this.#o.scheduler.now();
    return (
      now - this.#startedAt > this.#o.warmupMaxMs ||
      (this.#syncedAt !== undefined &&
        now - this.#syncedAt >= settleViewMs &&
        this.#overlays.every((o) => this.#node.stores.routes.local(o.name)?.state === 'settled'))
    );
  }

  /** Cancels the pending `onComplete`, if any. */
  stop(): void {
    this.#cancelSettle?.();
    this.#cancelSettle = undefined;
  }
}
