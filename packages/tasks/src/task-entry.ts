/** One virtual network a task is attached to, with its container addresses on it. */
export interface TaskNetwork {
  /** The overlay (virtual network) name, e.g. `dcos`. */
  readonly name: string;
  readonly ipv4?: string;
  readonly ipv6?: string;
}

/**
 * A task as the converged view shows it: what the agent that runs it published, while that
 * agent is alive (or within the grace period after it died).
 */
export interface TaskEntry {
  /** The task id: unique per agent (Mesos task ids are unique cluster-wide). */
  readonly id: string;
  /** The task name as given (DNS names use its label form, see `dnsLabel`). */
  readonly name: string;
  readonly framework: string;
  /** The agent (node id) that runs the task: the record's only writer. */
  readonly agent: string;
  /** The agent's IP address (IPv4 or IPv6): the `agentip` answer, and `autoip`'s fallback. */
  readonly agentIp: string;
  /** Virtual networks the task is on; empty for a task on the host network. */
  readonly networks: readonly TaskNetwork[];
}
