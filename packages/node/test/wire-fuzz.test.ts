import test from 'ava';
import { Rng } from '@trellis/runtime';
import { Keyring } from '../src/keyring.js';
import { WireCodec } from '../src/wire/wire-codec.js';

const SEED = Number(process.env['SEED'] ?? 0x7e11);
const ITERATIONS = Number(process.env['FUZZ_ITERATIONS'] ?? 100_000);

function randomMessage(rng: Rng): unknown {
  const kinds = ['ping', 'ack', 'suspect', 'alive', 'push'];
  return {
    t: rng.pick(kinds),
    seq: rng.int(0, 2 ** 31),
    from: `10.0.${rng.int(0, 256)}.${rng.int(0, 256)}:7946`,
    inc: rng.int(0, 1000),
    meta: rng.chance(0.3) ? new Uint8Array(rng.int(0, 40)).fill(rng.int(0, 256)) : null,
    list: Array.from({ length: rng.int(0, 5) }, () => rng.int(-1000, 1000)),
  };
}

function mutate(rng: Rng, packet: Uint8Array): Uint8Array {
  switch (rng.int(0, 5)) {
    case 0: // truncate
      return packet.subarray(0, rng.int(0, packet.length));
    case 1: {
      // flip 1-4 bits
      const out = new Uint8Array(packet);
      for (let n = rng.int(1, 5); n > 0; n--) out[rng.int(0, out.length)]! ^= 1 << rng.int(0, 8);
      return out;
    }
    case 2: {
      // overwrite a random byte with an interesting msgpack type byte
      const out = new Uint8Array(packet);
      out[rng.int(0, out.length)] = rng.pick([
        0xc1, 0xc6, 0xc7, 0xd4, 0xdb, 0xdc, 0xdd, 0xde, 0xdf, 0xff, 0x00,
      ]);
      return out;
    }
    case 3: // pure noise, sometimes with a valid header
      return Uint8Array.from({ length: rng.int(0, 200) }, (_, i) =>
        i < 2 && rng.chance(0.5) ? [1, 0][i]! : rng.int(0, 256),
      );
    default: {
      // splice random bytes in the middle
      const at = rng.int(0, packet.length);
      const noise = Uint8Array.from({ length: rng.int(1, 8) }, () => rng.int(0, 256));
      return Buffer.concat([packet.subarray(0, at), noise, packet.subarray(at)]);
    }
  }
}

test(`fuzz: ${ITERATIONS} mutated packets never throw and every failure is counted (SEED=${SEED})`, (t) => {
  const rng = Rng.fromSeed(SEED);
  const key = Uint8Array.from({ length: 32 }, () => rng.int(0, 256));
  const codecs = [
    new WireCodec({ label: 'fuzz' }),
    new WireCodec({ keyring: new Keyring(key), label: 'fuzz' }),
  ];
  const valid = codecs.map((codec) =>
    Array.from(
      { length: 64 },
      () =>
        codec.encodeDatagrams(Array.from({ length: rng.int(1, 12) }, () => randomMessage(rng))).packets[0]!,
    ),
  );
  let failures = 0;
  try {
    for (let i = 0; i < ITERATIONS; i++) {
      const which = rng.int(0, 2);
      const codec = codecs[which]!;
      // Feed some packets to the other codec as well: plaintext <-> encrypted mismatches.
      const source = valid[rng.chance(0.9) ? which : 1 - which]!;
      const result = codec.decode(mutate(rng, rng.pick(source)), rng.chance(0.5) ? 'datagram' : 'stream');
      if (!result.ok) failures++;
    }
  } catch (error) {
    t.log(`SEED=${SEED}`);
    throw error;
  }
  const counted = codecs.reduce((n, c) => n + c.rejectedTotal, 0);
  if (counted !== failures) t.log(`SEED=${SEED}`);
  t.is(counted, failures, 'every failure is counted by reason');
  t.true(failures > ITERATIONS / 2);
  t.log(JSON.stringify(codecs.map((c) => c.rejections())));
  // The codecs hold no state that garbage could corrupt: valid packets still decode.
  for (const [i, codec] of codecs.entries()) {
    for (const packet of valid[i]!) t.true(codec.decode(packet).ok, `SEED=${SEED}`);
  }
});
