/** Network-namespace test hosts and overlay checks: `@trellis/vxlan-agent/testing`. */
export { Topology, type Host, sh, json, isRoot, until } from './netns.js';
export {
  link,
  neighbors,
  fdb,
  routes,
  identity,
  programmedFor,
  tcpEcho,
  type LinkInfo,
} from './overlay-checks.js';
export { PodmanHost, busyboxRootfs, podmanMissing, type RunResult } from './podman.js';
