/**
 * @trellis/vxlan-agent — turns converged route tables into Linux VXLAN state through netlink:
 * the pure planner, the netlink executor, the reconcile loop and the `trellis-agent` daemon.
 */
export type {
  VtepSpec,
  BridgeSpec,
  NeighborSpec,
  FdbSpec,
  RouteSpec,
  KernelState,
  KernelObject,
  Op,
} from './kernel-model.js';
export { trellisRouteProtocol } from './kernel-model.js';
export {
  desiredState,
  gatewayOf,
  vxlanOverheadIpv4,
  vxlanOverheadIpv6,
  type OverlayPlanInput,
  type DesiredState,
  type RemoteSkipped,
  type RemoteSkipReason,
} from './planner/desired-state.js';
export { plan, requiresRecreate, isRecreate } from './planner/plan.js';
export { applyOps } from './planner/memory-kernel.js';
export { identityKey, canonicalState } from './planner/kernel-identity.js';
export {
  NetlinkExecutor,
  hasNetAdmin,
  type NetlinkExecutorOptions,
  type ExecutorLogger,
} from './executor/netlink-executor.js';
export { type ApplyResult, type ApplyError, type OpCounts } from './executor/apply-result.js';
export {
  NetlinkTimeoutError,
  NetlinkRequestError,
  NetlinkSocketError,
  DumpInterruptedError,
  PermissionError,
  ExecutorClosedError,
} from './executor/errors.js';
export {
  Reconciler,
  retryDelayMs,
  type KernelExecutor,
  type DesiredSnapshot,
  type ReconcileStats,
  type ReconcilerOptions,
} from './reconciler.js';
export {
  PlannerWarnings,
  type PlannerWarning,
  type PlannerWarningCount,
  type PlannerWarningChanges,
} from './planner-warnings.js';
export { parseAgentConfig, type AgentConfig, type AgentDnsConfig } from './config/agent-config.js';
export { defaultHttpConfig, type HttpConfig } from './config/http-config.js';
export { loadAgentConfig, type LoadedAgentConfig } from './config/load-config.js';
export { ConfigAccessError } from './config/file-problems.js';
export { startAgent, type Agent, type StartAgentOptions } from './agent.js';
export { startHttpApi, type HttpApi, type HttpApiOptions } from './http/http-api.js';
export { nodeApiSource, type ApiSource, type AgentStatus, type KernelSync } from './http/api-source.js';
export { HttpStats } from './http/http-stats.js';
export { HttpError } from './http/reply.js';
export { HttpListenError } from './http/listeners.js';
export { resolveUnderlay, UnderlayError, type Underlay } from './config/underlay.js';
export { resumeSlices } from './resume.js';
