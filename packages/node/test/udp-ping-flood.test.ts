import test from 'ava';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { readdirSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { swimProfiles } from '@trellis/swim';
import { createNode } from '../src/index.js';
import { WireCodec } from '../src/wire/wire-codec.js';

// Real sockets on 127.0.0.0/8 only. 400 sources x 10 pings, each source a UDP socket with a TCP
// listener on the same port that accepts and never answers: the worst case for a node that
// dials back whoever pings it (each such connection holds a descriptor until its timeout).
const sourceCount = 400;
const pingsPerSource = 10;

interface Source {
  readonly udp: UdpSocket;
  readonly tcp: Server;
}

const openFds = (): number => readdirSync('/proc/self/fd').length;

async function source(host: string, held: Socket[], accepted: { n: number }): Promise<Source | undefined> {
  const udp = createSocket('udp4');
  await new Promise<void>((resolve) => udp.bind(0, host, resolve));
  const tcp = createServer((s) => {
    accepted.n++;
    held.push(s);
    s.on('error', () => undefined);
  });
  const listening = await new Promise<boolean>((resolve) => {
    tcp.once('error', () => resolve(false));
    tcp.listen(udp.address().port, host, () => resolve(true));
  });
  if (!listening) {
    udp.close();
    return undefined;
  }
  return { udp, tcp };
}

test.serial(
  'a ping flood from 400 unanswering sources opens no connection back, fds stay flat',
  async (t) => {
    const node = await createNode({
      id: 'a',
      bind: '127.0.0.1:0',
      seeds: [],
      profile: 'local',
      keyring: null,
    });
    const held: Socket[] = [];
    const accepted = { n: 0 };
    const sources: Source[] = [];
    t.teardown(async () => {
      for (const s of held) s.destroy();
      for (const s of sources) {
        s.udp.close();
        s.tcp.close();
      }
      await node.close();
    });
    for (let i = 0; i < sourceCount; i++) {
      const s = await source(`127.0.0.${2 + (i % 50)}`, held, accepted);
      if (s !== undefined) sources.push(s);
    }
    const codec = new WireCodec({});
    const [host, port] = [node.address.split(':')[0]!, Number(node.address.split(':')[1])];
    const fdsBefore = openFds();
    const requestsBefore = node.stats().requestsOut;
    let fdsPeak = fdsBefore;
    const sampler = setInterval(() => (fdsPeak = Math.max(fdsPeak, openFds())), 20);
    for (let round = 0; round < pingsPerSource; round++) {
      sources.forEach((s, i) => {
        const ping = { t: 'ping', seq: round * sourceCount + i, id: 'a', src: `ghost${i}` };
        s.udp.send(codec.encodeDatagrams([ping]).packets[0]!, port, host);
      });
      await sleep(100);
    }
    await sleep(2000);
    clearInterval(sampler);
    const requests = node.stats().requestsOut - requestsBefore;
    const swim = node.stats().swim;
    t.log(
      `${sources.length} sources x ${pingsPerSource} pings: ${requests} requests out, ${accepted.n} connections ` +
        `accepted by the sources, fds ${fdsBefore} -> peak ${fdsPeak}; challenges ${swim.learnChallenges}, ` +
        `limited ${swim.learnLimited}, packets in ${node.stats().packetsIn}`,
    );
    t.true(node.stats().packetsIn >= sources.length, 'the flood arrived');
    // None of the sources ever answered our challenge: nobody is dialed back.
    t.is(accepted.n, 0);
    t.is(requests, 0);
    // Generous: ava runs test files as worker threads of one process, so other files' sockets
    // count here too (dialing every source back cost 1,000 descriptors).
    t.true(fdsPeak - fdsBefore <= 200, `fds grew by ${fdsPeak - fdsBefore}`);
    // Challenges themselves are bounded by their bucket (burst, then a few a second).
    const { learnSyncBurst } = swimProfiles.local;
    t.true(swim.learnChallenges <= learnSyncBurst * 4 + 20, `${swim.learnChallenges} challenges`);
  },
);
