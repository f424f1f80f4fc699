/**
 * How long one input holds the event loop while a node joins a cluster with a large state
 * (issue 12: at most 50 ms). Node `a` holds an owned kv table of N keys; node `b` joins it and
 * takes the whole table in its join reply, merged in slices (`mergeSliceRecords`). Reported:
 * the event loop's largest delay in `b`'s process while it joins (both nodes share the process,
 * so `a`'s answer is counted too), and the time until `b` holds every key.
 *
 * Usage: node bench/dist/src/merge-slices.js [--keys=20000]
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { createNode } from '@trellis/node';
import { appendResult } from './results.js';

export async function runMergeSlices(keys: number, say: (m: string) => void): Promise<void> {
  const a = await createNode({ id: 'a', bind: '127.0.0.1:0', keyring: null });
  const b = await createNode({ id: 'b', bind: '127.0.0.1:0', keyring: null });
  try {
    const table = a.kv('big', { ownKeysMax: keys, recordsPerOwnerMax: keys });
    for (let i = 0; i < keys; i++) table.set(`key-${i}`, { i, host: `10.0.${i >> 8}.${i & 255}` });
    const atB = b.kv('big', { ownKeysMax: keys, recordsPerOwnerMax: keys });
    await new Promise((r) => setTimeout(r, 200));
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    const t0 = performance.now();
    b.join([a.address]);
    while (atB.entries().length < keys && performance.now() - t0 < 60_000)
      await new Promise((r) => setTimeout(r, 5));
    const ms = performance.now() - t0;
    delay.disable();
    const maxMs = delay.max / 1e6;
    const line = { keys, held: atB.entries().length, ms: Math.round(ms), loopDelayMaxMs: Math.round(maxMs) };
    appendResult({ impl: 'trellis', scenario: 'merge-slices', ...line });
    say(
      `join with ${keys} kv records: all held after ${line.ms} ms; event loop delayed at most ${line.loopDelayMaxMs} ms`,
    );
  } finally {
    await b.close();
    await a.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const arg = process.argv.find((x) => x.startsWith('--keys='));
  await runMergeSlices(arg === undefined ? 20_000 : Number(arg.slice(7)), (m) => console.log(m));
}
