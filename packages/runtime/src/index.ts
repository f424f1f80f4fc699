/**
 * @trellis/runtime — the contracts every trellis package shares. No dependencies, no I/O.
 */
export { type Instant, type DurationMs, seconds, minutes, earliest } from './instant.js';
export { Rng } from './rng.js';
export { assert, unreachable, AssertionError } from './assert.js';
export {
  TrellisError,
  InvalidArgumentError,
  InvalidStateError,
  LimitError,
  ConfigError,
  type ConfigProblem,
} from './errors.js';
export { ConfigProblems, describe } from './config-problems.js';
export { type Logger, type LogLevel, type LogRecord, silentLogger, memoryLogger } from './logger.js';
export { type Scheduler } from './scheduler.js';
export {
  type Address,
  type Transport,
  type TransportReceiver,
  type TransportErrorCode,
  TransportError,
} from './transport.js';
export { plainMsgpackOptions } from './plain-msgpack.js';
export { type RecordSigning, type FieldSink, noSigning, SignedBytes } from './signing.js';
