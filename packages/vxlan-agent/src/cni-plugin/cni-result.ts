/** What the agent answered for an ADD, in the plugin's terms: one address per family of the overlay. */
export interface AddAnswer {
  readonly ipv4?: string;
  readonly prefixLength?: number;
  readonly gateway?: string;
  readonly ipv6?: string;
  readonly prefixLength6?: number;
  readonly gateway6?: string;
  readonly dns: { readonly nameservers: readonly string[]; readonly search: readonly string[] };
}

/** Spec versions whose results carry `version` in each IP config (dropped in 1.0.0). */
const ipVersionField = new Set(['0.3.0', '0.3.1', '0.4.0']);

/** The addresses an answer holds, as `address/prefix` with their gateway, IPv4 first. */
export function answerAddresses(
  a: Partial<AddAnswer>,
): { version: '4' | '6'; address: string; gateway: string }[] {
  const out: { version: '4' | '6'; address: string; gateway: string }[] = [];
  if (a.ipv4 !== undefined)
    out.push({ version: '4', address: `${a.ipv4}/${a.prefixLength}`, gateway: a.gateway ?? '' });
  if (a.ipv6 !== undefined)
    out.push({ version: '6', address: `${a.ipv6}/${a.prefixLength6}`, gateway: a.gateway6 ?? '' });
  return out;
}

/**
 * The IPAM result of an ADD in the caller's spec version (every one we speak lists several
 * IPs): each address with its prefix and gateway (the bridge's address), a default route of
 * each family through it, and the agent's DNS server and search domain. IPAM results carry no
 * interfaces: the bridge plugin adds those.
 */
export function addResult(cniVersion: string, a: AddAnswer): object {
  const addresses = answerAddresses(a);
  const ips = addresses.map(({ version, address, gateway }) => ({
    ...(ipVersionField.has(cniVersion) ? { version } : {}),
    address,
    gateway,
  }));
  const routes = addresses.map(({ version, gateway }) => ({
    dst: version === '4' ? '0.0.0.0/0' : '::/0',
    gw: gateway,
  }));
  const dns = {
    ...(a.dns.nameservers.length === 0 ? {} : { nameservers: a.dns.nameservers }),
    ...(a.dns.search.length === 0 ? {} : { domain: a.dns.search[0], search: a.dns.search }),
  };
  return { cniVersion, ips, routes, dns };
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
