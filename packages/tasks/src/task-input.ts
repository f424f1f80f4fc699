import { InvalidArgumentError } from '@trellis/runtime';
import { dnsLabel } from './dns-label.js';
import type { TaskEntry, TaskNetwork } from './task-entry.js';
import { canonicalIp, hasControlChar, overlayNamePattern, taskLimits, type TaskWire } from './task-record.js';

/** A task as the agent that runs it registers it. */
export interface TaskInput {
  readonly id: string;
  readonly name: string;
  readonly framework: string;
  /** This agent's IP (IPv4 or IPv6): the `agentip` answer. */
  readonly agentIp: string;
  /** Virtual networks the task's container is on, with its addresses there (none: host network). */
  readonly networks?: readonly TaskNetwork[];
}

export function toTaskEntry(r: TaskWire): TaskEntry {
  return Object.freeze({
    id: r.i,
    name: r.n,
    framework: r.f,
    agent: r.w,
    agentIp: r.a,
    networks: Object.freeze(
      r.nw.map(([name, ipv4, ipv6]) =>
        Object.freeze({ name, ...(ipv4 === '' ? {} : { ipv4 }), ...(ipv6 === '' ? {} : { ipv6 }) }),
      ),
    ),
  });
}

/** Every problem with a task as registered, in one error; returns its networks in wire form. */
export function checkInput(input: TaskInput): (readonly [string, string, string])[] {
  const problems: string[] = [];
  const text = (what: string, v: unknown, max: number) => {
    if (typeof v !== 'string' || v.length === 0 || v.length > max)
      problems.push(`${what} must be a string of 1 to ${max} characters`);
  };
  text('id', input.id, taskLimits.idMax);
  if (typeof input.id === 'string' && hasControlChar(input.id))
    problems.push('id must not contain control characters');
  text('name', input.name, taskLimits.nameMax);
  text('framework', input.framework, taskLimits.nameMax);
  for (const what of ['name', 'framework'] as const) {
    const v = input[what];
    if (typeof v === 'string' && v.length > 0 && dnsLabel(v) === '')
      problems.push(`${what} ${JSON.stringify(v)} has no letter or digit: it gives no DNS label`);
  }
  if (typeof input.agentIp !== 'string' || canonicalIp(input.agentIp, 'any') === undefined)
    problems.push(`agentIp must be an IPv4 or IPv6 address, got ${JSON.stringify(input.agentIp)}`);
  const networks: unknown = input.networks ?? [];
  const nw: (readonly [string, string, string])[] = [];
  if (!Array.isArray(networks) || networks.length > taskLimits.networksMax) {
    problems.push(`networks must be a list of at most ${taskLimits.networksMax}`);
  } else {
    const seen = new Set<string>();
    for (const [k, item] of (networks as unknown[]).entries()) {
      const at = `networks[${k}]`;
      if (typeof item !== 'object' || item === null) {
        problems.push(`${at} must be an object { name, ipv4?, ipv6? }`);
        continue;
      }
      const n = item as { name?: unknown; ipv4?: unknown; ipv6?: unknown };
      const name = typeof n.name === 'string' && overlayNamePattern.test(n.name) ? n.name : undefined;
      if (name === undefined)
        problems.push(`${at}.name must be an overlay name, got ${JSON.stringify(n.name)}`);
      else if (seen.has(name)) problems.push(`${at}.name ${name} is listed twice`);
      else seen.add(name);
      const v4 = n.ipv4 === undefined ? '' : typeof n.ipv4 === 'string' ? canonicalIp(n.ipv4, 4) : undefined;
      const v6 = n.ipv6 === undefined ? '' : typeof n.ipv6 === 'string' ? canonicalIp(n.ipv6, 6) : undefined;
      if (v4 === undefined)
        problems.push(`${at}.ipv4 must be an IPv4 address, got ${JSON.stringify(n.ipv4)}`);
      if (v6 === undefined)
        problems.push(`${at}.ipv6 must be an IPv6 address, got ${JSON.stringify(n.ipv6)}`);
      if (name !== undefined && v4 !== undefined && v6 !== undefined)
        nw.push(Object.freeze([name, v4, v6] as const));
    }
  }
  if (problems.length > 0) throw new InvalidArgumentError(`invalid task: ${problems.join('; ')}`);
  return nw.sort((a, b) => (a[0] < b[0] ? -1 : 1));
}
