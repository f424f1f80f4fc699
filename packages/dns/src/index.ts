/**
 * @trellis/dns — Virtual Network Service DNS: `<task>.<framework>.{containerip,autoip,agentip}.<zone>`
 * answered from the gossiped task table, over UDP and TCP. The answer layer (`TaskZone`,
 * `answerQuery`) is pure; `DnsServer` puts it on sockets.
 */
export { type DnsConfig, type DnsConfigInput, defaultDnsConfig, parseDnsConfig } from './dns-config.js';
export { TaskZone, type ZoneSettings, type NameRecords, type ZoneSkips, nameForms } from './task-zone.js';
export {
  answerQuery,
  prepareAnswer,
  finishAnswer,
  slipAnswer,
  type AnswerOptions,
  type PreparedAnswer,
} from './answer-query.js';
export {
  type Outcome,
  type DropReason,
  type ErrorReason,
  type AnswerKind,
  dropReasons,
  errorReasons,
  answerKinds,
} from './outcome.js';
export {
  type DnsStats,
  type SocketEventKind,
  emptyDnsStats,
  countOutcome,
  countLimited,
  errorCount,
  addDnsStats,
} from './dns-stats.js';
export { DnsServer, type DnsServerOptions } from './dns-server.js';
export { WorkerStartError } from './udp-workers.js';
export type { WorkerReport } from './worker-messages.js';
export { BindError } from '@trellis/node';
