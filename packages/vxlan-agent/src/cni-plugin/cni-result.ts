/** What the agent answered for an ADD, in the plugin's terms. */
export interface AddAnswer {
  readonly ipv4: string;
  readonly prefixLength: number;
  readonly gateway: string;
  readonly dns: { readonly nameservers: readonly string[]; readonly search: readonly string[] };
}

/** Spec versions whose results carry `version` in each IP config (dropped in 1.0.0). */
const ipVersionField = new Set(['0.3.0', '0.3.1', '0.4.0']);

/**
 * The IPAM result of an ADD in the caller's spec version: the address with its prefix, the
 * gateway (the bridge's address), a default route through it, and the agent's DNS server and
 * search domain. IPAM results carry no interfaces: the bridge plugin adds those.
 */
export function addResult(cniVersion: string, a: AddAnswer): object {
  const ip = {
    ...(ipVersionField.has(cniVersion) ? { version: '4' } : {}),
    address: `${a.ipv4}/${a.prefixLength}`,
    gateway: a.gateway,
  };
  const dns = {
    ...(a.dns.nameservers.length === 0 ? {} : { nameservers: a.dns.nameservers }),
    ...(a.dns.search.length === 0 ? {} : { domain: a.dns.search[0], search: a.dns.search }),
  };
  return { cniVersion, ips: [ip], routes: [{ dst: '0.0.0.0/0', gw: a.gateway }], dns };
}

/** The addresses a previous ADD's result names (CHECK compares them with the agent's). */
export function prevResultAddresses(prev: unknown): string[] {
  const ips = (prev as { ips?: unknown } | null)?.ips;
  if (!Array.isArray(ips)) return [];
  return ips.flatMap((ip) => {
    const address = (ip as { address?: unknown } | null)?.address;
    return typeof address === 'string' ? [address] : [];
  });
}
