/** The nftables table the agent owns; nothing outside it is ever touched. */
export const egressTable = 'trellis';

/** An overlay as egress sees it; an IPv6-only one (no `subnet`) has no IPv4 egress to rewrite. */
export interface EgressOverlay {
  readonly name: string;
  readonly subnet?: string;
  readonly vtepSubnet?: string;
}

/**
 * The whole `ip trellis` table as one `nft -f` script, applied in one transaction: the table
 * is created if missing, deleted, and built again, so what was there before (an overlay since
 * removed, a rule someone added) is gone and nothing half-applied is ever visible. With
 * masquerade off the script only deletes the table.
 *
 * DC/OS's rule: traffic from an overlay subnet to a destination outside every overlay subnet
 * (and outside the VTEP subnets, which are the overlays' own too) leaves with the host's
 * address; between overlays nothing is rewritten, so containers see each other's addresses.
 */
export function egressScript(all: readonly EgressOverlay[], masquerade: boolean): string {
  const reset = [`table ip ${egressTable} {}`, `delete table ip ${egressTable}`];
  const overlays = all.filter(
    (o): o is EgressOverlay & { subnet: string; vtepSubnet: string } =>
      o.subnet !== undefined && o.vtepSubnet !== undefined,
  );
  if (!masquerade || overlays.length === 0) return `${reset.join('\n')}\n`;
  const inside = [...new Set(overlays.flatMap((o) => [o.subnet, o.vtepSubnet]))].sort();
  const rules = overlays.map(
    (o) => `    ip saddr ${o.subnet} ip daddr != @overlays masquerade comment "egress of overlay ${o.name}"`,
  );
  return [
    ...reset,
    `table ip ${egressTable} {`,
    '  set overlays {',
    '    type ipv4_addr',
    '    flags interval',
    `    elements = { ${inside.join(', ')} }`,
    '  }',
    '  chain egress {',
    '    type nat hook postrouting priority srcnat; policy accept;',
    ...rules,
    '  }',
    '}',
    '',
  ].join('\n');
}
