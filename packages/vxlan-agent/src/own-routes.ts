import type { Logger } from '@trellis/runtime';
import type { AgentNode } from './agent-node.js';
import type { LoadedAgentConfig } from './config/load-config.js';
import type { KernelState } from './kernel-model.js';
import { resumeSlices } from './resume.js';

/**
 * Publishes this host's route on every configured overlay. A restart continues the slices our
 * VTEPs still carry (`observed`, read back before anything is written): peers see no change,
 * nothing blips.
 */
export function publishOwnRoutes(
  node: AgentNode,
  loaded: LoadedAgentConfig,
  observed: KernelState,
  log: Logger,
): void {
  const { config, underlay } = loaded;
  const overridden = new Set(
    config.overlays.filter((o) => config.vtep[o.name]?.ip !== undefined).map((o) => o.name),
  );
  const resume = resumeSlices(config.overlays, observed, overridden);
  for (const o of config.overlays) {
    const slice = resume.get(o.name);
    const v = config.vtep[o.name];
    node.stores.routes.publish(o.name, {
      underlayIp: underlay.ip,
      ...(slice === undefined ? {} : { resumeSlice: slice }),
      ...(v?.mac === undefined ? {} : { vtepMac: v.mac }),
      ...(v?.ip === undefined ? {} : { vtepIp: v.ip }),
    });
    if (slice !== undefined) log.info({ overlay: o.name, slice }, 'resuming the slice found in the kernel');
  }
}
