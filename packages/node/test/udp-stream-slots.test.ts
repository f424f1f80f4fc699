import test from 'ava';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createNode, type GossipNode } from '../src/index.js';

// Real TCP on 127.0.0.0/8. Slot holders open connections to a seed's stream port from eight
// source addresses, send nothing (or one byte), and reconnect the moment they are cut: every
// slot the seed has is taken whenever a joiner knocks. Bounded: at most 4,000 connections and
// until the test ends.
const holderSources = Array.from({ length: 8 }, (_, i) => `127.0.0.${20 + i}`);
const perSource = 6;
const connectsMax = 4000;

interface Holders {
  readonly open: () => number;
  readonly connects: () => number;
  stop(): void;
}

function holdSlots(host: string, port: number): Holders {
  const sockets = new Set<Socket>();
  let connects = 0;
  let stopped = false;
  const hold = (localAddress: string): void => {
    if (stopped || connects >= connectsMax) return;
    connects++;
    const s = connect({ host, port, localAddress });
    sockets.add(s);
    s.on('connect', () => s.write(Uint8Array.of(0)));
    s.on('error', () => undefined);
    s.on('close', () => {
      sockets.delete(s);
      // Straight back in, as an attacker would (a short pause keeps the loop off the CPU).
      setTimeout(() => hold(localAddress), 5);
    });
  };
  for (const source of holderSources) for (let i = 0; i < perSource; i++) hold(source);
  return {
    open: () => sockets.size,
    connects: () => connects,
    stop() {
      stopped = true;
      for (const s of sockets) s.destroy();
    },
  };
}

test.serial('slow stream holders on every slot of the seed: a join still succeeds', async (t) => {
  const nodes: GossipNode[] = [];
  const stop: (() => void)[] = [];
  t.teardown(async () => {
    for (const f of stop) f();
    await Promise.all(nodes.map((n) => n.close()));
  });
  const seed = await createNode({
    id: 'seed',
    bind: '127.0.0.1:0',
    seeds: [],
    profile: 'local',
    keyring: null,
  });
  nodes.push(seed);
  const [host, port] = [seed.address.split(':')[0]!, Number(seed.address.split(':')[1])];
  const holders = holdSlots(host, port);
  stop.push(() => holders.stop());
  await sleep(500);
  const heldBefore = holders.open();
  const started = performance.now();
  const joiner = await createNode({
    id: 'joiner',
    bind: '127.0.0.1:0',
    seeds: [seed.address],
    profile: 'local',
    keyring: null,
    swim: { joinAttemptsMax: 3 },
  });
  nodes.push(joiner);
  const outcome = await Promise.race([
    joiner.joined().then(
      () => 'joined',
      (e: unknown) => `failed: ${e instanceof Error ? e.message : String(e)}`,
    ),
    sleep(15_000).then(() => 'timeout'),
  ]);
  const ms = performance.now() - started;
  t.log(
    `${outcome} after ${ms.toFixed(0)} ms; holder connections open before the join ${heldBefore}, ` +
      `holder connects in all ${holders.connects()}`,
  );
  t.is(outcome, 'joined');
  t.true(
    joiner.liveMembers().some((m) => m.id === 'seed'),
    'the joiner knows the seed',
  );
});
