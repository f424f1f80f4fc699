import ipaddr from 'ipaddr.js';

/**
 * Client networks response-rate limiting never applies to (BIND's `exempt-clients`): an agent's
 * own containers all share its slice of the overlay, so without an exemption they would share one
 * prefix's rate between them. Matches IPv4-mapped IPv6 addresses as their IPv4 address.
 */
export class ExemptClients {
  readonly #ranges: [ipaddr.IPv4 | ipaddr.IPv6, number][];
  #last: { address: string; exempt: boolean } = { address: '', exempt: false };

  /** `cidrs` must be valid (`parseDnsConfig` checks them). */
  constructor(cidrs: readonly string[]) {
    this.#ranges = cidrs.map((c) => ipaddr.parseCIDR(c));
  }

  get size(): number {
    return this.#ranges.length;
  }

  has(address: string): boolean {
    if (this.#ranges.length === 0) return false;
    if (address === this.#last.address) return this.#last.exempt;
    let exempt: boolean;
    try {
      const ip = ipaddr.process(address);
      exempt = this.#ranges.some(([net, bits]) => net.kind() === ip.kind() && ip.match(net, bits));
    } catch {
      exempt = false; // not an address: a socket never reports one, and nothing is exempt for it
    }
    this.#last = { address, exempt };
    return exempt;
  }
}

/** Is `text` a CIDR ipaddr.js reads (`9.0.0.0/8`, `fd01:b::/64`)? */
export function isCidr(text: unknown): boolean {
  if (typeof text !== 'string') return false;
  try {
    ipaddr.parseCIDR(text);
    return true;
  } catch {
    return false;
  }
}
