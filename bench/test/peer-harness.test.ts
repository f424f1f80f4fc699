/**
 * The memberlist peer of `bench:peers`: the Go harness builds against Debian's sources and
 * reports what the trellis side reports (run only where Go and the sources are installed); and
 * without Go, the bench says what to install and goes on with trellis alone.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import test from 'ava';
import { buildMemberlistHarness, installHint } from '../src/peer-harness.js';
import { runMemberlist } from '../src/peer-memberlist-run.js';
import { planFor } from '../src/udp-plan.js';

const run = promisify(execFile);
const peersJs = fileURLToPath(new URL('../src/peers.js', import.meta.url));

const go = await buildMemberlistHarness({ outDir: mkdtempSync(join(tmpdir(), 'trellis-peer-test-')) });

(go.ok ? test : test.skip)(
  'the memberlist harness joins 6 nodes and detects a crash, in result lines',
  async (t) => {
    if (!go.ok) return;
    const plan = {
      ...planFor(true),
      joinDeadlineMs: 15_000,
      drainDeadlineMs: 3000,
      steadyMs: 1000,
      failDeadlineMs: 20_000,
    };
    const key = { profile: 'lan' as const, n: 6, rep: 1, quick: true, run: 'peer-harness-test' };
    try {
      const lines = await runMemberlist(go.binary, key, plan, { kind: 'cluster' }, { append: false });
      const by = (s: string) => lines.find((l) => l.scenario === s);
      t.deepEqual(
        lines.map((l) => l.scenario),
        ['join', 'steady', 'broadcast', 'fail'],
        JSON.stringify(lines.find((l) => l.scenario === 'error')),
      );
      for (const l of lines)
        t.like(l, { impl: 'memberlist', n: 6, profile: 'lan', run: 'peer-harness-test' });
      t.like(by('join'), { timedOut: false, aliveMin: 6 });
      t.is(typeof (by('join')!.ms as { converge?: unknown }).converge, 'number');
      t.true((by('join')!.bytesPerNode as number) > 0);
      t.true((by('steady')!.bytes as { perNodePerSec: number }).perNodePerSec > 0);
      t.like(by('broadcast'), { missed: 0, timedOut: false });
      // Someone marked the victim dead; how many did within 20 s depends on the machine's load
      // (memberlist waits up to 6x its suspicion floor without confirmations), so that is not asserted.
      const fail = by('fail')!;
      t.like(fail, { victim: 'lan6r1-005' });
      t.true(((fail.ms as { first?: number }).first ?? 0) > 0, JSON.stringify(fail));
      t.is(fail.timedOut, (fail.missed as number) > 0);
    } finally {
      rmSync(join(go.binary, '..'), { recursive: true, force: true });
    }
  },
);

test('without go on PATH, bench:peers says what to install and runs trellis alone', async (t) => {
  const emptyPath = mkdtempSync(join(tmpdir(), 'trellis-no-go-'));
  try {
    const env = { ...process.env, PATH: emptyPath };
    const missing = await buildMemberlistHarness({ env });
    t.false(missing.ok);
    t.like(missing, { reason: 'go is not on PATH', install: installHint });
    const { stdout: out } = await run(process.execPath, [peersJs, '--check', '--quick'], {
      env,
      timeout: 60_000,
    });
    t.regex(out, /apt-get install golang-go golang-github-hashicorp-memberlist-dev/);
    t.regex(out, /Running trellis alone/);
    t.regex(out, /would run: sizes 16, 64, 1 rep/);
  } finally {
    rmSync(emptyPath, { recursive: true, force: true });
  }
});
