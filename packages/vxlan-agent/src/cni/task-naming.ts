import { dnsLabel } from '@trellis/tasks';

/** The label keys a runtime may set to name a container's task and framework. */
export const taskLabel = 'trellis.task';
export const frameworkLabel = 'trellis.framework';

export interface NamingInput {
  readonly containerId: string;
  /** CNI_ARGS as key/value pairs (podman and Kubernetes pass K8S_POD_NAME). */
  readonly args: Readonly<Record<string, string>>;
  /** Labels from the runtime config or the network config's `args`. */
  readonly labels: Readonly<Record<string, string>>;
  /** The network's default framework (the conflist's, else the agent's `cni.framework`). */
  readonly framework: string;
}

/**
 * The DNS name and framework of a container's task: the pod name, else the `trellis.task`
 * label, else the container id; the `trellis.framework` label, else the network's default.
 * A candidate that gives no DNS label (only punctuation) is skipped, so a task always gets a
 * name that resolves.
 */
export function taskNaming(input: NamingInput): { name: string; framework: string } {
  const usable = (v: string | undefined): v is string => v !== undefined && dnsLabel(v) !== '';
  const candidates = [input.args.K8S_POD_NAME, input.labels[taskLabel], input.containerId];
  const name = candidates.find(usable) ?? input.containerId;
  const label = input.labels[frameworkLabel];
  return { name, framework: usable(label) ? label : input.framework };
}
