import test from 'ava';
import { InvalidArgumentError } from '@trellis/runtime';
import { capacityMaxDefault, ContainerAllocator } from '../src/container-allocator.js';
import { AddressExhaustedError } from '../src/routes-errors.js';

test('an IPv4 half excludes network, gateway and broadcast', (t) => {
  const a = new ContainerAllocator('9.0.5.128/25');
  t.is(a.cidr, '9.0.5.128/25');
  t.is(a.gateway, '9.0.5.129');
  t.is(a.capacity, 125, '128 addresses minus network, gateway and broadcast');
  t.is(a.size, 0);
  t.is(a.allocate('c1'), '9.0.5.130');
  const all = Array.from({ length: 124 }, (_, i) => a.allocate(`c${i + 2}`));
  t.is(all.at(-1), '9.0.5.254', 'the last before broadcast .255');
  t.false(all.includes('9.0.5.255') || all.includes('9.0.5.128') || all.includes('9.0.5.129'));
  t.is(a.size, 125);
});

test('allocate is idempotent per owner and gives the lowest free address', (t) => {
  const a = new ContainerAllocator('9.0.5.0/25');
  t.is(a.allocate('web'), '9.0.5.2');
  t.is(a.allocate('db'), '9.0.5.3');
  t.is(a.allocate('web'), '9.0.5.2');
  t.is(a.size, 2);
  t.is(a.addressOf('db'), '9.0.5.3');
  t.deepEqual(
    [...a.owners()],
    [
      ['9.0.5.2', 'web'],
      ['9.0.5.3', 'db'],
    ],
  );
  t.throws(() => a.allocate(''), { instanceOf: InvalidArgumentError });
});

test('exhaustion throws AddressExhaustedError naming the half and its capacity', (t) => {
  const a = new ContainerAllocator('10.0.0.0/29');
  t.is(a.capacity, 5);
  for (let i = 0; i < 5; i++) a.allocate(`c${i}`);
  const error = t.throws(() => a.allocate('one-too-many'), { instanceOf: AddressExhaustedError });
  t.like(error, {
    name: 'AddressExhaustedError',
    code: 'ERR_TRELLIS_ADDRESSES_EXHAUSTED',
    cidr: '10.0.0.0/29',
    capacity: 5,
  });
  t.is(error?.message, 'no free container address in 10.0.0.0/29: all 5 are allocated');
  t.is(a.allocate('c3'), '10.0.0.5', 'an owner that already holds one still gets it when full');
});

test('release by address or owner, and the lowest released address is reused first', (t) => {
  const a = new ContainerAllocator('10.0.0.0/28');
  const got = ['a', 'b', 'c', 'd', 'e'].map((o) => a.allocate(o));
  t.deepEqual(got, ['10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6']);
  t.true(a.release('10.0.0.5'));
  t.true(a.release('b'));
  t.false(a.release('b'), 'already released');
  t.false(a.release('10.0.0.9'), 'never allocated');
  t.false(a.release('nobody'));
  t.is(a.size, 3);
  t.is(a.allocate('f'), '10.0.0.3');
  t.is(a.allocate('g'), '10.0.0.5');
  t.is(a.allocate('h'), '10.0.0.7', 'then back to the high-water mark');
  t.is(a.allocate('b'), '10.0.0.8', 'a released owner is a new request');
  t.true(a.release('f'));
  t.true(a.release('a'));
  t.is(a.allocate('i'), '10.0.0.2');
  t.is(a.allocate('j'), '10.0.0.3');
});

test('reserved addresses are skipped and reduce capacity', (t) => {
  const a = new ContainerAllocator('10.0.0.0/29', {
    reserved: ['10.0.0.2', '10.0.0.4', '10.0.0.1', '10.0.0.7'],
  });
  t.is(a.capacity, 3, '.1 is the gateway and .7 broadcast anyway');
  t.deepEqual(
    ['x', 'y', 'z'].map((o) => a.allocate(o)),
    ['10.0.0.3', '10.0.0.5', '10.0.0.6'],
  );
  t.throws(() => a.allocate('w'), { instanceOf: AddressExhaustedError });
  t.throws(() => new ContainerAllocator('10.0.0.0/29', { reserved: ['10.0.0.9'] }), {
    instanceOf: InvalidArgumentError,
    message: /not an address in 10\.0\.0\.0\/29/,
  });
});

test('IPv6 halves: ::0 excluded, ::1 the gateway, the last address usable, capacity bounded', (t) => {
  const a = new ContainerAllocator('fd01:b::5:8000:0:0/81');
  t.is(a.gateway, 'fd01:b::5:8000:0:1');
  t.is(a.capacity, capacityMaxDefault, '2^47 addresses, bounded');
  t.is(a.allocate('c1'), 'fd01:b::5:8000:0:2');
  t.is(a.allocate('c2'), 'fd01:b::5:8000:0:3');
  t.true(a.release('FD01:B:0:0:5:8000:0:2'), 'any spelling of the address');
  t.is(a.allocate('c3'), 'fd01:b::5:8000:0:2');

  const tiny = new ContainerAllocator('fd00::/126');
  t.is(tiny.capacity, 2);
  t.deepEqual([tiny.allocate('a'), tiny.allocate('b')], ['fd00::2', 'fd00::3']);
  t.throws(() => tiny.allocate('c'), { instanceOf: AddressExhaustedError, message: /fd00::\/126: all 2/ });

  const capped = new ContainerAllocator('fd00::/64', { capacityMax: 2 });
  t.is(capped.capacity, 2);
  capped.allocate('a');
  capped.allocate('b');
  t.throws(() => capped.allocate('c'), { instanceOf: AddressExhaustedError });
});

test('bad halves and options are InvalidArgumentErrors', (t) => {
  for (const bad of ['9.0.5.1/25', '9.0.5.0/31', 'fd00::/127', 'nonsense', '9.0.5.0']) {
    t.throws(() => new ContainerAllocator(bad), { instanceOf: InvalidArgumentError }, bad);
  }
  t.throws(() => new ContainerAllocator('9.0.5.0/25', { capacityMax: 0 }), {
    instanceOf: InvalidArgumentError,
  });
  t.is(new ContainerAllocator('9.0.5.0/30').capacity, 1, 'the smallest IPv4 half: gateway and one container');
});

test('the same requests give the same addresses (determinism)', (t) => {
  const run = () => {
    const a = new ContainerAllocator('9.0.5.0/25');
    for (let i = 0; i < 40; i++) a.allocate(`c${i}`);
    for (let i = 0; i < 40; i += 3) a.release(`c${i}`);
    for (let i = 40; i < 60; i++) a.allocate(`c${i}`);
    return [...a.owners()];
  };
  const first = run();
  t.deepEqual(run(), first);
  t.is(first.length, 60 - 14);
});

test('restore gives an owner its address back; allocation then skips every restored address', (t) => {
  const a = new ContainerAllocator('10.0.0.0/28');
  t.true(a.restore('c', '10.0.0.6'));
  t.true(a.restore('a', '10.0.0.3'));
  t.true(a.restore('a', '10.0.0.3'), 'again: still held');
  t.false(a.restore('a', '10.0.0.4'), 'the owner holds another address');
  t.false(a.restore('b', '10.0.0.6'), 'held by another owner');
  t.false(a.restore('b', '10.0.0.1'), 'the gateway');
  t.false(a.restore('b', '10.0.0.15'), 'the broadcast address');
  t.false(a.restore('b', '10.0.1.2'), 'outside the half');
  t.deepEqual(
    ['x', 'y', 'z', 'w'].map((o) => a.allocate(o)),
    ['10.0.0.2', '10.0.0.4', '10.0.0.5', '10.0.0.7'],
  );
  t.is(a.size, 6);
  t.true(a.release('c'));
  t.is(a.allocate('v'), '10.0.0.6');
});

test('restore is refused when the half is full and beyond what allocate could reach', (t) => {
  const a = new ContainerAllocator('10.0.0.0/29');
  for (const [i, o] of ['a', 'b', 'c', 'd', 'e'].entries()) t.true(a.restore(o, `10.0.0.${i + 2}`));
  t.false(a.restore('f', '10.0.0.6'));
  const big = new ContainerAllocator('fd00::/64', { capacityMax: 4 });
  t.false(big.restore('a', 'fd00::ffff'), 'far past the capacity: never walked to');
  t.true(big.restore('a', 'fd00::5'));
  t.deepEqual([big.allocate('b'), big.allocate('c'), big.allocate('d')], ['fd00::2', 'fd00::3', 'fd00::4']);
});
