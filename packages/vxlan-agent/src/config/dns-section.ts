import { ConfigError, describe, type ConfigProblems } from '@trellis/runtime';
import { parseDnsConfig, type DnsConfig, type DnsConfigInput } from '@trellis/dns';

/** DNS settings; `host` (the underlay IP) and `rrlExempt` (the overlays) default at start. */
export type AgentDnsConfig = Omit<DnsConfig, 'host' | 'rrlExempt'> & {
  readonly host: string | undefined;
  readonly rrlExempt: readonly string[] | undefined;
};

/** Runs a package's own config parser and files its problems under `prefix`. */
export function nested(prefix: string, parse: () => unknown, p: ConfigProblems): void {
  try {
    parse();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) p.add(`${prefix}.${problem.path}`, problem.message);
  }
}

/** Without a `host`, DNS listens on the underlay IP: the address agents' resolvers are given. */
export function parseDnsSection(v: unknown, p: ConfigProblems): AgentDnsConfig | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    p.add('dns', `must be an object (its settings, {} for the defaults), got ${describe(v)}`);
    return undefined;
  }
  const input = v as DnsConfigInput;
  let parsed: DnsConfig | undefined;
  // 127.0.0.1 stands in for the underlay IP, which is only known at start.
  nested('dns', () => (parsed = parseDnsConfig({ host: '127.0.0.1', ...input })), p);
  return parsed === undefined
    ? undefined
    : Object.freeze({ ...parsed, host: input.host, rrlExempt: input.rrlExempt });
}
