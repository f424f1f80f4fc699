/**
 * The demo's script, on top of the Cluster supervisor: converge, kill one node, watch the
 * failure spread, restart it, watch it rejoin, then ask every node's DNS server for every
 * node's task. Every phase has a deadline.
 */
import { Resolver } from 'node:dns/promises';
import { performance } from 'node:perf_hooks';
import { PhaseTimeoutError, type Cluster } from './cluster.js';
import { legend, ms, renderMatrix } from './render.js';

export interface DemoOptions {
  readonly nodes: number;
  /** Deadline of each phase (start, converge, detect, rejoin). */
  readonly phaseTimeoutMs: number;
  readonly out: (line: string) => void;
}

export interface DemoResult {
  readonly startMs: number;
  readonly convergeMs: number;
  /** Undefined when no node went through suspect (every one learned the death by gossip). */
  readonly firstSuspectMs: number | undefined;
  readonly firstDeadMs: number;
  readonly allDeadMs: number;
  readonly rejoinMs: number;
  /** From the start of the DNS phase until every node answered with every node's task. */
  readonly dnsMs: number;
}

export function nodeIds(nodes: number): string[] {
  return Array.from({ length: nodes }, (_, i) => `node-${i}`);
}

function deadline<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new PhaseTimeoutError(`timed out after ${timeoutMs} ms waiting until ${what}`)),
      timeoutMs,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** True when every node of `observers` runs and sees every node of `members` alive. */
function allSeeAlive(cluster: Cluster, observers: readonly string[], members: readonly string[]): boolean {
  return observers.every((o) => {
    const view = cluster.view(o);
    return view !== undefined && members.every((m) => view.get(m)?.status === 'alive');
  });
}

export async function runDemo(cluster: Cluster, o: DemoOptions): Promise<DemoResult> {
  const ids = nodeIds(o.nodes);
  const { startMs, convergeMs, seedAddr } = await converge(cluster, ids, o);
  const victim = ids[ids.length - 1]!;
  const detection = await detect(cluster, ids, victim, o);
  const rejoinMs = await rejoin(cluster, ids, victim, seedAddr, o);
  const dnsMs = await dns(cluster, ids, o);
  return { startMs, convergeMs, ...detection, rejoinMs, dnsMs };
}

async function converge(
  cluster: Cluster,
  ids: readonly string[],
  o: DemoOptions,
): Promise<{ startMs: number; convergeMs: number; seedAddr: string }> {
  const n = ids.length;
  o.out(`[1/4] starting ${n} node processes; the first one is the seed the others join through`);
  const tFirst = performance.now();
  const seedAddr = await deadline(cluster.start(ids[0]!, [], Date.now()), o.phaseTimeoutMs, 'node-0 started');
  o.out(`  ${ids[0]!}  ${seedAddr}  pid ${cluster.pid(ids[0]!) ?? '?'}  (seed)`);
  const t0 = performance.now();
  let seen = 0;
  cluster.onChange = () => {
    const behind = ids.filter((id) => !allSeeAlive(cluster, [id], ids));
    const count = n - behind.length;
    if (count === seen) return;
    seen = count;
    const waiting = behind.length > 0 && behind.length <= 3 ? `  (waiting for ${behind.join(', ')})` : '';
    o.out(`  +${ms(performance.now() - t0)}  ${count}/${n} nodes see all ${n} alive${waiting}`);
  };
  const joiners = ids.slice(1).map(async (id) => {
    const addr = await cluster.start(id, [seedAddr], Date.now());
    o.out(`  ${id}  ${addr}  pid ${cluster.pid(id) ?? '?'}  (ready +${ms(performance.now() - t0, 0)})`);
  });
  await deadline(Promise.all(joiners), o.phaseTimeoutMs, `all ${n} nodes started`);
  const startMs = performance.now() - tFirst;
  await cluster.waitUntil(
    `all ${n} nodes see ${n} alive`,
    () => allSeeAlive(cluster, ids, ids),
    o.phaseTimeoutMs,
  );
  const convergeMs = performance.now() - t0;
  cluster.onChange = () => undefined;
  o.out(`converged in ${Math.round(convergeMs)} ms: all ${n} nodes see ${n} alive`);
  o.out(`  (measured from starting the ${n - 1} joiner processes, Node.js start-up included)`);
  o.out(renderMatrix(ids, (id) => cluster.view(id)));
  return { startMs, convergeMs, seedAddr };
}

async function detect(
  cluster: Cluster,
  ids: readonly string[],
  victim: string,
  o: DemoOptions,
): Promise<Pick<DemoResult, 'firstSuspectMs' | 'firstDeadMs' | 'allDeadMs'>> {
  const others = ids.filter((id) => id !== victim);
  o.out('');
  o.out(
    `[2/4] killing ${victim} (pid ${cluster.pid(victim) ?? '?'}) with SIGKILL: no goodbye, it must be detected`,
  );
  let firstSuspectMs: number | undefined;
  let firstDeadMs: number | undefined;
  const t0 = performance.now();
  cluster.kill(victim);
  cluster.onChange = (c) => {
    if (c.member !== victim || c.from === c.to) return;
    const at = c.atMs - t0;
    if (c.to === 'suspect') firstSuspectMs ??= at;
    if (c.to === 'dead' || c.to === 'left') firstDeadMs ??= at;
    o.out(`  +${ms(at)}  ${c.observer.padEnd(8)} ${c.from ?? 'unknown'} -> ${c.to}`);
  };
  const allDead = (): boolean =>
    others.every((id) => {
      const status = cluster.view(id)?.get(victim)?.status;
      return status === 'dead' || status === 'left';
    });
  await cluster.waitUntil(`every node marks ${victim} dead`, allDead, o.phaseTimeoutMs);
  const allDeadMs = performance.now() - t0;
  cluster.onChange = () => undefined;
  const first = firstSuspectMs === undefined ? 'none' : `${Math.round(firstSuspectMs)} ms`;
  o.out(
    `detection: first suspicion ${first}, first death ${Math.round(firstDeadMs ?? allDeadMs)} ms, ` +
      `all ${others.length} nodes marked ${victim} dead in ${Math.round(allDeadMs)} ms`,
  );
  o.out(renderMatrix(ids, (id) => cluster.view(id)));
  return { firstSuspectMs, firstDeadMs: firstDeadMs ?? allDeadMs, allDeadMs };
}

async function rejoin(
  cluster: Cluster,
  ids: readonly string[],
  victim: string,
  seedAddr: string,
  o: DemoOptions,
): Promise<number> {
  // The incarnation is the current unix time in ms: higher than the one on the tombstone.
  const incarnation = Date.now();
  o.out('');
  o.out(
    `[3/4] restarting ${victim} as a new process with incarnation ${incarnation} (its start time, unix ms), seed ${seedAddr}`,
  );
  const t0 = performance.now();
  cluster.onChange = (c) => {
    if (c.member !== victim || c.observer === victim || c.to !== 'alive' || c.incarnation !== incarnation)
      return;
    o.out(`  +${ms(c.atMs - t0)}  ${c.observer.padEnd(8)} sees ${victim} alive again`);
  };
  const addr = await deadline(
    cluster.start(victim, [seedAddr], incarnation),
    o.phaseTimeoutMs,
    `${victim} restarted`,
  );
  o.out(`  ${victim}  ${addr}  pid ${cluster.pid(victim) ?? '?'}  (ready +${ms(performance.now() - t0, 0)})`);
  const rejoined = (): boolean =>
    allSeeAlive(cluster, [victim], ids) &&
    ids.every((id) => {
      const m = cluster.view(id)?.get(victim);
      return m?.status === 'alive' && m.incarnation === incarnation;
    });
  await cluster.waitUntil(`every node sees ${victim} alive again`, rejoined, o.phaseTimeoutMs);
  const rejoinMs = performance.now() - t0;
  cluster.onChange = () => undefined;
  o.out(
    `rejoined in ${Math.round(rejoinMs)} ms: all ${ids.length} nodes see ${victim} alive (incarnation ${incarnation})`,
  );
  o.out(renderMatrix(ids, (id) => cluster.view(id)));
  o.out(`  ${legend}`);
  return rejoinMs;
}

const zone = 'dcos.thisdcos.directory';

/** A node's DNS answer for one A query: the sorted addresses, or the resolver's error code. */
async function lookup(port: number, name: string): Promise<string[] | string> {
  const r = new Resolver({ timeout: 500, tries: 2 });
  r.setServers([`127.0.0.1:${port}`]);
  try {
    return (await r.resolve4(name)).sort();
  } catch (error) {
    return (error as { code?: string }).code ?? 'error';
  }
}

async function dns(cluster: Cluster, ids: readonly string[], o: DemoOptions): Promise<number> {
  const name = `web.demo.containerip.${zone}`;
  const want = ids.map((id) => `9.0.${Number(/\d+$/.exec(id)?.[0] ?? '0')}.2`).sort();
  o.out('');
  o.out(`[4/4] DNS: every node published one task (web, framework demo) and serves the names of all`);
  o.out(`  asking each node's DNS server for ${name} (want ${ids.length} addresses)`);
  const t0 = performance.now();
  const ok = (a: string[] | string) => Array.isArray(a) && a.join() === want.join();
  let answers: (string[] | string)[];
  for (;;) {
    answers = await Promise.all(ids.map((id) => lookup(cluster.dnsPort(id) ?? 0, name)));
    if (answers.every(ok)) break;
    if (performance.now() - t0 > o.phaseTimeoutMs)
      throw new PhaseTimeoutError(
        `timed out after ${o.phaseTimeoutMs} ms waiting until every node answers ${name} with ${want.length} addresses; last answers: ${JSON.stringify(answers)}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
  const dnsMs = performance.now() - t0;
  for (const [k, id] of ids.entries())
    o.out(`  ${id.padEnd(8)} port ${cluster.dnsPort(id) ?? '?'}  ${String(answers[k])}`);
  const first = ids[0]!;
  const port = cluster.dnsPort(first) ?? 0;
  const last = ids[ids.length - 1]!;
  for (const form of ['containerip', 'autoip', 'agentip'])
    o.out(
      `  ${first}: web.demo.${form}.${zone} -> ${String(await lookup(port, `web.demo.${form}.${zone}`))}`,
    );
  o.out(
    `  ${first}: nothing.demo.autoip.${zone} -> ${String(await lookup(port, `nothing.demo.autoip.${zone}`))}`,
  );
  o.out(
    `dns: all ${ids.length} nodes answered with all ${want.length} tasks (${last}'s from its new life) in ${Math.round(dnsMs)} ms`,
  );
  return dnsMs;
}
