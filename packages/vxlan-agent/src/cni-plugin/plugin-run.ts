import { isIP } from 'node:net';
import type { AgentAnswer } from './agent-call.js';
import { CniFailure, cniCodes } from './cni-failure.js';
import {
  parseInvocation,
  replyVersion,
  supportedVersions,
  type AttachmentCall,
  type Invocation,
} from './cni-invocation.js';
import { addResult, answerAddresses, prevResultAddresses, type AddAnswer } from './cni-result.js';

export type CallAgent = (
  socket: string,
  method: string,
  path: string,
  body?: unknown,
) => Promise<AgentAnswer>;

export interface PluginOutput {
  readonly stdout: string;
  readonly exitCode: number;
}

/**
 * One run of the `trellis` IPAM plugin: the invocation from the environment and stdin, the
 * agent's answer through `call`, the result or the error on stdout. Every failure is a spec
 * error (JSON on stdout, exit 1); nothing is thrown.
 */
export async function runPlugin(
  env: Readonly<Record<string, string | undefined>>,
  stdin: string,
  call: CallAgent,
): Promise<PluginOutput> {
  const inv = parseInvocation(env, stdin);
  const version = inv instanceof CniFailure ? replyVersion(stdin) : inv.cniVersion;
  const out =
    inv instanceof CniFailure
      ? inv
      : await execute(inv, call).catch(
          (e: unknown) =>
            new CniFailure(cniCodes.ioFailure, `the trellis plugin failed: ${(e as Error).message}`),
        );
  if (out instanceof CniFailure) return { stdout: out.output(version), exitCode: 1 };
  return { stdout: out === undefined ? '' : `${JSON.stringify(out)}\n`, exitCode: 0 };
}

async function execute(inv: Invocation, call: CallAgent): Promise<object | undefined | CniFailure> {
  switch (inv.command) {
    case 'VERSION':
      return { cniVersion: inv.cniVersion, supportedVersions };
    case 'ADD':
      return add(inv, call);
    case 'DEL': {
      const a = await call(inv.socket, 'DELETE', allocationPath(inv));
      return failureOf(a, inv.network) ?? undefined;
    }
    case 'CHECK':
      return check(inv, call);
    case 'GC': {
      const a = await call(inv.socket, 'POST', '/v1/cni/gc', { network: inv.network, keep: inv.keep });
      return failureOf(a, inv.network) ?? undefined;
    }
    case 'STATUS':
      return status(inv.socket, inv.network, call);
  }
}

async function add(inv: AttachmentCall, call: CallAgent): Promise<object | CniFailure> {
  const a = await call(inv.socket, 'POST', '/v1/cni/allocations', {
    network: inv.network,
    containerId: inv.containerId,
    ifname: inv.ifname,
    args: inv.args,
    labels: inv.labels,
    ...(inv.framework === undefined ? {} : { framework: inv.framework }),
  });
  const failed = failureOf(a, inv.network);
  if (failed !== undefined) return failed;
  return addResult(inv.cniVersion, (a as { body: AddAnswer }).body);
}

/** The agent still holds this attachment's addresses, and they are the ones the ADD returned. */
async function check(inv: AttachmentCall, call: CallAgent): Promise<undefined | CniFailure> {
  const a = await call(inv.socket, 'GET', allocationPath(inv));
  if (a.ok && a.status === 404)
    return new CniFailure(
      cniCodes.unknownContainer,
      `the trellis agent holds no address for ${inv.containerId}/${inv.ifname} on ${inv.network}`,
    );
  const failed = failureOf(a, inv.network);
  if (failed !== undefined) return failed;
  const held = answerAddresses(a.ok ? (a.body as Partial<AddAnswer>) : {}).map((x) => x.address);
  const listed = prevResultAddresses(inv.prevResult).map(canonicalCidr);
  const missing = held.filter((x) => !listed.includes(canonicalCidr(x)));
  if (held.length === 0 || missing.length > 0)
    return new CniFailure(
      cniCodes.invalidConfig,
      `prevResult lists ${listed.join(', ') || 'no address'}, the agent holds ${held.join(', ') || 'none'}`,
    );
  return undefined;
}

async function status(socket: string, network: string, call: CallAgent): Promise<undefined | CniFailure> {
  const a = await call(socket, 'GET', '/v1/cni/status');
  if (!a.ok)
    return new CniFailure(
      cniCodes.notAvailable,
      `the trellis agent at ${socket} does not answer (${a.error})`,
    );
  const nets = (a.body as { networks?: { network: string; ready: boolean; reason?: string }[] } | undefined)
    ?.networks;
  const n = nets?.find((x) => x.network === network);
  if (a.status !== 200 || n === undefined)
    return new CniFailure(cniCodes.notAvailable, `the trellis agent serves no network ${network}`);
  return n.ready
    ? undefined
    : new CniFailure(cniCodes.notAvailable, n.reason ?? `network ${network} cannot serve ADD now`);
}

function allocationPath(inv: AttachmentCall): string {
  return `/v1/cni/allocations/${[inv.network, inv.containerId, inv.ifname].map(encodeURIComponent).join('/')}`;
}

/**
 * The spec error for an agent answer that is not a success: the agent down or silent is
 * "try again later" (11), like an overlay whose slice has not settled; a full half is ours
 * (100); what the agent refuses as input is an invalid config (7); a failed write is I/O (5).
 */
function failureOf(a: AgentAnswer, network: string): CniFailure | undefined {
  if (!a.ok)
    return new CniFailure(
      cniCodes.tryAgainLater,
      `the trellis agent does not answer: ${a.error}`,
      'is trellis-agent running? (systemctl status trellis-agent)',
    );
  if (a.status >= 200 && a.status < 300) return undefined;
  const body = a.body as { error?: unknown; code?: unknown } | undefined;
  const msg = typeof body?.error === 'string' ? body.error : `the trellis agent answered ${a.status}`;
  if (body?.code === 'ERR_TRELLIS_CNI_EXHAUSTED') return new CniFailure(cniCodes.addressesExhausted, msg);
  if (a.status === 503) return new CniFailure(cniCodes.tryAgainLater, msg);
  if (a.status === 404 || (a.status >= 400 && a.status < 500))
    return new CniFailure(cniCodes.invalidConfig, msg, `network ${network}`);
  return new CniFailure(cniCodes.ioFailure, msg);
}

/**
 * One spelling of an `address/prefix`: a runtime may hand back an IPv6 address written another
 * way than we wrote it (zeros expanded, upper case); anything unparsable stays as it is.
 */
function canonicalCidr(cidr: string): string {
  const slash = cidr.lastIndexOf('/');
  const ip = slash < 0 ? cidr : cidr.slice(0, slash);
  if (isIP(ip) !== 6) return cidr;
  return `${new URL(`http://[${ip}]/`).hostname.slice(1, -1)}${slash < 0 ? '' : cidr.slice(slash)}`;
}
