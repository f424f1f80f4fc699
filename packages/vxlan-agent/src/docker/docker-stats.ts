/** What the Docker half did, as counters (`trellis_docker_*` metrics) and its state. */
export interface DockerStats {
  up: boolean;
  lastError: string | null;
  syncs: number;
  errors: number;
  networksCreated: number;
  networksRemoved: number;
  /** A network that differs from the slice but still has containers: kept, reported. */
  networksBusy: number;
  /** IPv6-only overlays, which get no Docker network (see `dockerNetworkSpec`); counted once each. */
  networksUnsupported: number;
  tasksPublished: number;
  tasksWithdrawn: number;
}

export function initialDockerStats(): DockerStats {
  return {
    up: false,
    lastError: null,
    syncs: 0,
    errors: 0,
    networksCreated: 0,
    networksRemoved: 0,
    networksBusy: 0,
    networksUnsupported: 0,
    tasksPublished: 0,
    tasksWithdrawn: 0,
  };
}
