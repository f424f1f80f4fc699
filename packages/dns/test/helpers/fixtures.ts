import * as dnsPacket from 'dns-packet';
import type { TaskEntry } from '@trellis/tasks';
import { type DnsConfig, parseDnsConfig } from '../../src/dns-config.js';

export const ZONE = 'dcos.thisdcos.directory';

let ids = 0;

/** A task on the `dcos` overlay, or on the host network when `ipv4` and `ipv6` are both absent. */
export function task(
  name: string,
  framework: string,
  agentIp: string,
  container: { ipv4?: string; ipv6?: string } = {},
): TaskEntry {
  const onOverlay = container.ipv4 !== undefined || container.ipv6 !== undefined;
  return {
    id: `${name}-${++ids}`,
    name,
    framework,
    agent: `agent-${agentIp}`,
    agentIp,
    networks: onOverlay ? [{ name: 'dcos', ...container }] : [],
  };
}

export function config(overrides: Partial<Record<keyof DnsConfig, unknown>> = {}): DnsConfig {
  return parseDnsConfig({ host: '127.0.0.1', port: 0, ...overrides } as Parameters<typeof parseDnsConfig>[0]);
}

/** An encoded query, as a stub resolver sends it (RD set). */
export function query(
  name: string,
  type: dnsPacket.RecordType | 'ANY',
  extra: Partial<dnsPacket.Packet> = {},
  klass: dnsPacket.RecordClass = 'IN',
): Buffer {
  return dnsPacket.encode({
    type: 'query',
    id: 0x1234,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type: type as dnsPacket.RecordType, class: klass }],
    ...extra,
  });
}

export type Decoded = dnsPacket.DecodedPacket & { rcode: string; opcode: string };

export function decode(bytes: Uint8Array): Decoded {
  return dnsPacket.decode(Buffer.from(bytes)) as Decoded;
}

export function opt(udpPayloadSize: number, ednsVersion = 0): dnsPacket.OptAnswer {
  return {
    type: 'OPT',
    name: '.',
    udpPayloadSize,
    extendedRcode: 0,
    ednsVersion,
    flags: 0,
    flag_do: false,
    options: [],
  };
}
