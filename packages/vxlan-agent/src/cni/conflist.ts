/** What an overlay's network config list is built from. */
export interface ConflistInput {
  /** The overlay: also the CNI network name and the `m-<overlay>` bridge. */
  readonly overlay: string;
  /** The VTEP's MTU: containers must not send frames VXLAN cannot carry. */
  readonly mtu: number;
  /** The agent's API socket, which the IPAM plugin calls. */
  readonly socket: string;
  /** The default framework of the network's tasks. */
  readonly framework: string;
  /** Our Mesos halves, for whoever reads the file; the plugin asks the agent, not this. */
  readonly half?: string;
  readonly half6?: string;
  /** The agent's DNS server and zone, when it serves DNS. */
  readonly dns: { readonly nameservers: readonly string[]; readonly search: readonly string[] };
}

/** The spec version the conflist speaks: what Debian's plugins (1.1) and podman 4 both know. */
export const conflistVersion = '1.0.0';

/**
 * `<overlay>.conflist`: the standard `bridge` plugin on the agent's `m-<overlay>` bridge (the
 * gateway is the bridge's own address; the agent masquerades, so `ipMasq` is off) over the
 * `trellis` IPAM plugin, which allocates through the agent's socket. The DNS is in the bridge's
 * own config too: the bridge plugin returns the network config's `dns`, not its IPAM's.
 */
export function conflist(input: ConflistInput): object {
  return {
    cniVersion: conflistVersion,
    name: input.overlay,
    plugins: [
      {
        type: 'bridge',
        bridge: `m-${input.overlay}`,
        isGateway: true,
        ipMasq: false,
        hairpinMode: true,
        mtu: input.mtu,
        ...(input.dns.nameservers.length === 0 ? {} : { dns: input.dns }),
        ipam: {
          type: 'trellis',
          socket: input.socket,
          framework: input.framework,
          ...(input.half === undefined ? {} : { half: input.half }),
          ...(input.half6 === undefined ? {} : { half6: input.half6 }),
        },
      },
    ],
  };
}

/** The conflist's text as written (one stable form, so an unchanged one is not rewritten). */
export function conflistText(input: ConflistInput): string {
  return `${JSON.stringify(conflist(input), null, 2)}\n`;
}

/** Whether a file's text is a conflist this agent wrote (anything else in confDir is not ours). */
export function isOurConflist(text: string, socket: string): boolean {
  try {
    const v = JSON.parse(text) as { plugins?: { ipam?: { type?: unknown; socket?: unknown } }[] };
    return v.plugins?.some((p) => p.ipam?.type === 'trellis' && p.ipam.socket === socket) === true;
  } catch {
    return false;
  }
}
