import type { AgentStatus } from '../http/api-source.js';

interface MemberLine {
  readonly id: string;
  readonly addr: string;
  readonly status: string;
}

const membersShownMax = 50;

/** `trellis-agent status` for people: who we are, the members, the overlays, the kernel. */
export function formatStatus(status: AgentStatus, members: readonly MemberLine[], now: number): string {
  const m = status.members;
  const lines = [
    `agent    ${status.node} at ${status.address}`,
    `members  ${m.alive} alive, ${m.suspect} suspect, ${m.dead} dead, ${m.left} left`,
  ];
  const width = Math.max(...members.slice(0, membersShownMax).map((x) => x.id.length), 4);
  for (const x of members.slice(0, membersShownMax))
    lines.push(`  ${x.id.padEnd(width)}  ${x.addr}  ${x.status}`);
  if (members.length > membersShownMax)
    lines.push(`  ... and ${members.length - membersShownMax} more (--json lists all)`);
  lines.push('routes');
  for (const o of status.overlays)
    lines.push(`  ${o.name}: ${o.routes} remote routes; own slice ${o.slice ?? 'none yet'} (${o.state})`);
  lines.push(`tasks    ${status.tasks.visible} visible, ${status.tasks.local} registered here`);
  lines.push(`kernel   ${kernelLine(status, now)}`);
  return `${lines.join('\n')}\n`;
}

function kernelLine(status: AgentStatus, now: number): string {
  const k = status.kernel;
  if (k === null) return 'not reconciled by this process';
  const ago = (iso: string | null) =>
    iso === null ? 'never' : `${Math.max(0, Math.round((now - Date.parse(iso)) / 1000))} s ago`;
  const state = k.inSync
    ? `in sync (last pass ${ago(k.lastPassAt)})`
    : k.lastError === null
      ? `not in sync yet (last pass ${ago(k.lastPassAt)})`
      : `OUT OF SYNC: ${k.consecutiveFailures} failed passes, last error: ${k.lastError}; last good pass ${ago(k.lastSuccessAt)}`;
  return `${state}; ${k.objectsOwned} objects owned, ${k.passes} passes, ${k.errors} errors`;
}
