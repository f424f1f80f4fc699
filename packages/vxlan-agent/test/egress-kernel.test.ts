import test from 'ava';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { memoryLogger, type LogRecord } from '@trellis/runtime';
import { isRoot, sh } from '../src/testing/netns.js';
import { EgressKeeper, nftBinary, type EgressDriver } from '../src/egress/nft-egress.js';

const dcos = { name: 'dcos', subnet: '9.0.0.0/8', vtepSubnet: '44.128.0.0/20' };
const ov2 = { name: 'ov2', subnet: '10.77.0.0/16', vtepSubnet: '44.129.0.0/24' };

/** The egress table on a real kernel, in a namespace of the test's own (root, nftables). */
const kernelTest = isRoot() && nftBinary() !== 'nft' ? test.serial : test.skip;

/** What the daemon's driver does (`nft -f -`), entered into the test's namespace. */
function driverIn(ns: string): EgressDriver {
  return (script) =>
    new Promise((resolve, reject) => {
      const c = spawn('ip', ['netns', 'exec', ns, nftBinary(), '-f', '-'], {
        stdio: ['pipe', 'ignore', 'pipe'],
      });
      let err = '';
      c.stderr.on('data', (d: Buffer) => (err += d.toString()));
      c.on('close', (code) => (code === 0 ? resolve() : reject(new Error(err))));
      c.stdin.end(script);
    });
}

kernelTest(
  'the table follows the config: a removed overlay loses its rule, masquerade off drops the table, others stay',
  async (t) => {
    const ns = `trl-eg-${randomBytes(3).toString('hex')}`;
    sh('ip', 'netns', 'add', ns);
    t.teardown(() => void sh('ip', 'netns', 'del', ns));
    const ruleset = () => sh('ip', 'netns', 'exec', ns, nftBinary(), 'list', 'ruleset');
    sh('ip', 'netns', 'exec', ns, nftBinary(), 'add', 'table', 'inet', 'theirs');
    const records: LogRecord[] = [];
    const keeper = (overlays: (typeof dcos)[], masquerade: boolean) =>
      new EgressKeeper(overlays, masquerade, driverIn(ns), memoryLogger(records));
    await keeper([dcos, ov2], true).apply();
    t.regex(ruleset(), /ip saddr 10\.77\.0\.0\/16 ip daddr != @overlays masquerade/);
    t.regex(ruleset(), /ip saddr 9\.0\.0\.0\/8 ip daddr != @overlays masquerade/);
    await keeper([dcos], true).apply();
    t.notRegex(ruleset(), /10\.77\.0\.0/, 'ov2 gone from the config: its rule and set element are gone');
    t.regex(ruleset(), /ip saddr 9\.0\.0\.0\/8/);
    await keeper([dcos], false).apply();
    t.notRegex(ruleset(), /table ip trellis/, 'masquerade off: our table is gone');
    t.regex(ruleset(), /table inet theirs/, "someone else's table stays");
    t.deepEqual(
      records.filter((r) => r.level === 'warn'),
      [],
    );
  },
);

test('a failing nft is logged once per failing episode and counted, never thrown', async (t) => {
  const records: LogRecord[] = [];
  let fail = true;
  const driver: EgressDriver = () =>
    fail ? Promise.reject(new Error('nft is not installed')) : Promise.resolve();
  const keeper = new EgressKeeper([dcos], true, driver, memoryLogger(records));
  await keeper.apply();
  await keeper.apply();
  fail = false;
  await keeper.apply();
  t.deepEqual(keeper.stats, { applied: 1, errors: 2 });
  t.is(records.filter((r) => r.message === 'egress masquerade not programmed').length, 1);
  t.is(records.filter((r) => r.message === 'egress masquerade programmed again').length, 1);
});
