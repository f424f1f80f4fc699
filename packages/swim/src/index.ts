/**
 * @trellis/swim — SWIM failure detection with the Lifeguard extensions, as a sans-IO core.
 */
export { Swim, type SwimOptions } from './swim.js';
export { type UserMessageHandler, type UserRequestHandler } from './inbox.js';
export { type ReplyHandler } from './context.js';
export { type SwimConfig, type SwimProfile, swimProfiles, parseSwimConfig } from './config.js';
export { type SwimEvent, type SwimEventType } from './events.js';
export { type SwimStats } from './stats.js';
export { type Transmit } from './transmit.js';
export { type AntiEntropySection } from './anti-entropy-section.js';
export { BroadcastQueue, type BroadcastQueueOptions, type BroadcastQueueStats } from './broadcast-queue.js';
export { Awareness } from './awareness.js';
export { BroadcastClassError } from './errors.js';
export { Suspicion, suspicionTimeout, suspicionMinMs, confirmationsExpected } from './suspicion.js';
export { wireSize } from './wire-size.js';
export { membershipClass } from './news.js';
export {
  type SwimDatagram,
  type PingMessage,
  type AckMessage,
  type NackMessage,
  type PingReqMessage,
  type MemberMessage,
  parseSwimMessage,
} from './messages.js';
export { toMemberMessage, fromMemberMessage } from './member-codec.js';
