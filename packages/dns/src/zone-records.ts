import type * as dnsPacket from 'dns-packet';
import { type NameRecords, type TaskZone } from './task-zone.js';
import type { AnswerKind } from './outcome.js';
import { relativeName } from './dns-name.js';

export interface ZoneAnswer {
  readonly kind: AnswerKind;
  readonly answers: readonly dnsPacket.Answer[];
  readonly authorities: readonly dnsPacket.Answer[];
  readonly additionals: readonly dnsPacket.Answer[];
}

/** SOA timers only matter to secondaries, which we do not have; these are RFC 1912's suggestions. */
const SOA_REFRESH_SECONDS = 3600;
const SOA_RETRY_SECONDS = 600;
const SOA_EXPIRE_SECONDS = 604_800;

/**
 * The records for one in-zone question. Records carry the owner name as asked, so a client that
 * randomises case (DNS 0x20) sees its own spelling back. ANY gets every record the name has,
 * unless `minimalAny`: then RFC 8482's one synthesized HINFO, about twice the size of the query
 * (its owner repeats the name; the apex with SOA, NS and 16 glue records was 21 times it).
 */
export function zoneRecords(
  zone: TaskZone,
  relative: string,
  question: dnsPacket.Question,
  minimalAny = false,
): ZoneAnswer {
  const records = zone.lookup(relative);
  if (records === undefined)
    return { kind: 'nxdomain', answers: [], authorities: [soa(zone)], additionals: [] };
  // dns-packet decodes type 255 as 'ANY'; its types do not list it.
  const type: string = question.type;
  const any = type === 'ANY';
  if (any && minimalAny && (relative === '' || records.a.length + records.aaaa.length > 0))
    return { kind: 'answer', answers: [rfc8482(zone, question.name)], authorities: [], additionals: [] };
  const answers: dnsPacket.Answer[] = [];
  const additionals: dnsPacket.Answer[] = [];
  const ttl = zone.settings.ttlSeconds;
  if (type === 'A' || any)
    for (const ip of records.a) answers.push({ type: 'A', name: question.name, ttl, data: ip });
  if (type === 'AAAA' || any)
    for (const ip of records.aaaa) answers.push({ type: 'AAAA', name: question.name, ttl, data: ip });
  if (relative === '' && (type === 'SOA' || any)) answers.push({ ...soa(zone), name: question.name });
  if (relative === '' && (type === 'NS' || any)) {
    answers.push({ type: 'NS', name: question.name, ttl, data: zone.settings.nsName });
    additionals.push(...glue(zone));
  }
  if (answers.length === 0) return { kind: 'nodata', answers, authorities: [soa(zone)], additionals: [] };
  return { kind: 'answer', answers, authorities: [], additionals };
}

/** RFC 8482 §4.2: CPU "RFC8482", OS empty; the TTL is left to us: the zone's, like its records. */
function rfc8482(zone: TaskZone, name: string): dnsPacket.Answer {
  return { type: 'HINFO', name, ttl: zone.settings.ttlSeconds, data: { cpu: 'RFC8482', os: '' } };
}

/** The SOA that goes in the authority section of negative answers; its minimum is the negative TTL. */
function soa(zone: TaskZone): dnsPacket.Answer {
  const { zone: apex, nsName, ttlSeconds } = zone.settings;
  return {
    type: 'SOA',
    name: apex,
    ttl: ttlSeconds,
    data: {
      mname: nsName,
      rname: `hostmaster.${apex}`,
      serial: zone.serial,
      refresh: SOA_REFRESH_SECONDS,
      retry: SOA_RETRY_SECONDS,
      expire: SOA_EXPIRE_SECONDS,
      minimum: ttlSeconds,
    },
  };
}

/** Addresses of the NS name when it lies in the zone, so a resolver need not ask again. */
function glue(zone: TaskZone): dnsPacket.Answer[] {
  const { zone: apex, nsName, ttlSeconds: ttl } = zone.settings;
  const relative = relativeName(nsName, apex);
  const records: NameRecords | undefined = relative === undefined ? undefined : zone.lookup(relative);
  if (records === undefined) return [];
  return [
    ...records.a.map((ip): dnsPacket.Answer => ({ type: 'A', name: nsName, ttl, data: ip })),
    ...records.aaaa.map((ip): dnsPacket.Answer => ({ type: 'AAAA', name: nsName, ttl, data: ip })),
  ];
}
