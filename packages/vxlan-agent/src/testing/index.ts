/** Network-namespace test hosts and overlay checks: `@trellis/vxlan-agent/testing`. */
export { Topology, type Host, type TopologyOptions, sh, json, isRoot, until } from './netns.js';
export {
  link,
  neighbors,
  fdb,
  routes,
  identity,
  programmedFor,
  tcpEcho,
  tcpEchoIn,
  type LinkInfo,
} from './overlay-checks.js';
export { neighbors6, routes6, address6, identity6, programmed6For } from './overlay-checks-ipv6.js';
export { PodmanHost, busyboxRootfs, podmanMissing, type RunResult } from './podman.js';
