import test from 'ava';
import {
  AssertionError,
  ConfigError,
  ConfigProblems,
  InvalidArgumentError,
  TransportError,
  TrellisError,
  assert,
  earliest,
  memoryLogger,
  seconds,
  silentLogger,
  type LogRecord,
} from '../src/index.js';

test('typed errors carry a fixed name and code and keep their cause', (t) => {
  const cause = new Error('root');
  const e = new InvalidArgumentError('bad id', { cause });
  t.true(e instanceof TrellisError);
  t.is(e.name, 'InvalidArgumentError');
  t.is(e.code, 'ERR_TRELLIS_INVALID_ARGUMENT');
  t.is(e.cause, cause);
  const te = new TransportError('ERR_TRELLIS_TIMEOUT', 'slow');
  t.is(te.name, 'TransportError');
  t.is(te.code, 'ERR_TRELLIS_TIMEOUT');
});

test('assert throws AssertionError with the message', (t) => {
  t.notThrows(() => assert(true, 'fine'));
  const e = t.throws(() => assert(false, 'broken invariant'), { instanceOf: AssertionError });
  t.is(e?.message, 'broken invariant');
  t.is(e?.code, 'ERR_TRELLIS_ASSERTION');
});

test('ConfigProblems reports every problem at once', (t) => {
  const p = new ConfigProblems();
  t.true(p.integer('a', 5, 1, 10));
  t.false(p.integer('b', 1.5, 0));
  t.false(p.integer('c', 50, 0, 10));
  t.false(p.number('d', Number.NaN, 0));
  t.false(p.boolean('e', 'yes'));
  t.is(p.count, 4);
  const e = t.throws(() => p.throwIfAny('test config'), { instanceOf: ConfigError });
  t.is(e?.problems.length, 4);
  t.deepEqual(
    e?.problems.map((x) => x.path),
    ['b', 'c', 'd', 'e'],
  );
  t.regex(e?.message ?? '', /b: must be an integer, got 1\.5/);
  t.regex(e?.message ?? '', /e: must be true or false, got "yes"/);
  t.notThrows(() => new ConfigProblems().throwIfAny('empty'));
});

test('loggers: silent does nothing, memory captures with bindings', (t) => {
  t.notThrows(() => silentLogger.child({ a: 1 }).info({ x: 1 }, 'hello'));
  const records: LogRecord[] = [];
  const log = memoryLogger(records).child({ node: 'n1' });
  log.warn({ peer: 'n2' }, 'probe failed');
  t.deepEqual(records, [{ level: 'warn', fields: { node: 'n1', peer: 'n2' }, message: 'probe failed' }]);
});

test('time helpers', (t) => {
  t.is(seconds(2), 2000);
  t.is(earliest(undefined, 5), 5);
  t.is(earliest(3, undefined), 3);
  t.is(earliest(7, 4), 4);
  t.is(earliest(undefined, undefined), undefined);
});
