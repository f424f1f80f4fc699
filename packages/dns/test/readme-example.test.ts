import { readFileSync } from 'node:fs';
import test from 'ava';
import ts from 'typescript';
import { DnsServer } from '../src/dns-server.js';
import { ZONE } from './helpers/fixtures.js';
import { resolverFor } from './helpers/clients.js';

type AsyncFunctionConstructor = new (...args: string[]) => (...values: unknown[]) => Promise<void>;
// Not a global: reached through an async function's prototype.
const AsyncFunction = (
  Object.getPrototypeOf(async function () {}) as { constructor: AsyncFunctionConstructor }
).constructor;

/** The README's example, as written there, without its imports (they are passed in instead). */
function readmeExample(): string {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const block = /## Example\n\n```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  if (block === undefined) throw new Error('no example in the README');
  const body = block.replace(/^import .*$/gm, '');
  return ts.transpileModule(body, { compilerOptions: { target: ts.ScriptTarget.ES2022 } }).outputText;
}

test('the README example runs as written, and serves what its comments say', async (t) => {
  const resolved: string[][] = [];
  const logged: unknown[] = [];
  // The real server, but it also asks itself what the example's `dig` lines would.
  class CheckedDnsServer extends DnsServer {
    override async start(): Promise<{ host: string; port: number }> {
      const address = await super.start();
      const resolver = resolverFor(address.port);
      resolved.push(await resolver.resolve4(`web.marathon.containerip.${ZONE}`));
      resolved.push(await resolver.resolve4(`web.marathon.agentip.${ZONE}`));
      return address;
    }
  }
  const run = new AsyncFunction('DnsServer', 'console', readmeExample());
  await run(CheckedDnsServer, { log: (...parts: unknown[]) => logged.push(...parts) });
  t.deepEqual(resolved, [['9.0.1.2'], ['10.0.0.1']]);
  t.like(logged[0], { queriesUdp: 2, answers: { answer: 2 }, limited: 0 });
});
