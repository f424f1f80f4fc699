import { isIPv6 } from 'node:net';
import type { Logger, Scheduler } from '@trellis/runtime';
import type { AgentNode } from './agent-node.js';
import type { LoadedAgentConfig } from './config/load-config.js';
import { desiredState, type OverlayPlanInput } from './planner/desired-state.js';
import { plan } from './planner/plan.js';
import { PlannerWarnings } from './planner-warnings.js';
import { Reconciler, type KernelExecutor } from './reconciler.js';
import type { WarmView } from './warm-view.js';

/** The reconciler as the agent runs it, fed by the node's route store. */
export interface AgentReconciler {
  readonly reconciler: Reconciler;
  /** The planner's warnings (address collisions between agents), logged once per change. */
  readonly warnings: PlannerWarnings;
  /** Asks for a pass; ignored until `start()`. */
  trigger(reason: string): void;
  /** The first pass and every trigger from here on (after every listener is up). */
  start(): void;
  stop(): Promise<void>;
}

export interface AgentReconcilerOptions {
  readonly executor: KernelExecutor;
  readonly logger: Logger;
  readonly scheduler: Scheduler;
}

/**
 * Wires a reconciler to the node: every pass plans from the converged route tables and our
 * settled slices, every table change and slice event asks for a pass. Kernel passes wait until
 * `start()`, so a start that fails on a listener leaves the kernel as it found it.
 */
export function agentReconciler(
  node: AgentNode,
  loaded: LoadedAgentConfig,
  view: WarmView,
  opts: AgentReconcilerOptions,
): AgentReconciler {
  const log = opts.logger;
  const warnings = new PlannerWarnings(log.child({ component: 'planner' }));
  // With Docker configured, `d-<overlay>` is the bridge of Docker's network: not ours to delete.
  const dockerBridges = new Set(
    loaded.config.docker === undefined ? [] : loaded.config.overlays.map((o) => `d-${o.name}`),
  );
  const reconciler = new Reconciler({
    executor: opts.executor,
    plan: (desired, observed) =>
      plan(desired, { ...observed, bridges: observed.bridges.filter((b) => !dockerBridges.has(b.name)) }),
    intervalMs: loaded.config.resyncIntervalMs,
    logger: log,
    scheduler: opts.scheduler,
    desired: () => {
      const warm = view.isWarm();
      const planned = desiredState(planInputs(node, loaded));
      warnings.update(planned.warnings);
      return { warm, state: planned.state };
    },
  });
  let live = false;
  const trigger = (why: string): void => {
    if (live) reconciler.trigger(why);
  };
  node.stores.routes.on('changed', () => trigger('routes changed'));
  node.stores.routes.on('slice', (e) => {
    log.info({ event: e.type, overlay: e.overlay }, 'own slice');
    trigger(e.type);
  });
  return {
    reconciler,
    warnings,
    trigger,
    start() {
      live = true;
      reconciler.start();
    },
    stop: () => reconciler.stop(),
  };
}

/** Per overlay: our slice once settled (nothing is built before), and the converged table. */
function planInputs(node: AgentNode, loaded: LoadedAgentConfig): OverlayPlanInput[] {
  const { config, underlay } = loaded;
  return config.overlays.map((overlay) => {
    const local = node.stores.routes.local(overlay.name);
    return {
      overlay,
      local: local?.state === 'settled' ? local.route : undefined,
      remotes: node.stores.routes.table(overlay.name),
      underlayMtu: underlay.mtu,
      underlayIpv6: isIPv6(underlay.ip),
      bridges: config.bridges,
      dockerOwnsBridge: config.docker !== undefined,
    };
  });
}
