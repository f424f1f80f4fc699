/**
 * @trellis/node — the gossip node: the composed sans-IO core with its store registry, its
 * driver, the wire codec, the keyring, the UDP/TCP transport and `createNode()`.
 */
export { createNode, type CreateNodeOptions } from './create-node.js';
export { GossipNode, startNode, type StartNodeOptions, type StorePlugins } from './gossip-node.js';
export {
  type GossipNodeEvents,
  type NodeStats,
  type MemberEvent,
  type UserMessage,
} from './gossip-node-events.js';
export { JoinFailedError } from './join-watch.js';
export { MessageNotDeliveredError } from './send-error.js';
export { NodeCore, type NodeCoreOptions, type NodeEvent, type StoreEvent } from './core/node-core.js';
export { reservedTags, reservedNames } from './core/store-registry.js';
export {
  type MessagesConfig,
  type MessageReceived,
  defaultMessagesConfig,
  parseMessagesConfig,
} from './core/user-messages.js';
export { Driver, type DriverStats } from './driver.js';
export { realScheduler } from './real-scheduler.js';
export {
  NodeIdentity,
  IdentityError,
  selfCertificate,
  type IdentityOptions,
  type Trust,
} from './identity/node-identity.js';
export {
  issueCertificate,
  parseCertificate,
  certificateToJson,
  certificateFromJson,
  type CertificateWire,
} from './identity/certificate.js';
export {
  generateKeyPair,
  privateKeyFromPem,
  privateKeyToPem,
  publicKeyOf,
  type KeyPair,
} from './identity/ed25519.js';
export { Keyring, KeyringError, type KeyInput, type OpenResult } from './keyring.js';
export {
  WireCodec,
  FrameTooLargeError,
  type WireCodecOptions,
  type DecodeResult,
  type RejectionReason,
  type Channel,
} from './wire/wire-codec.js';
export { type WireConfig, defaultWireConfig, parseWireConfig } from './wire/wire-config.js';
export { UdpTransport, createUdpTransport } from './transport/udp-transport.js';
export { type UdpTransportOptions, type UdpTransportConfig } from './transport/udp-transport-config.js';
// UDP and TCP on one port, as the gossip transport and the DNS server both need.
export { BindError, bindUdpAndTcp, closeQuietly } from './transport/bind.js';
export { formatAddress, parseAddress, type HostPort } from './transport/address.js';
export { type TransportStats, type TransportErrorKind } from './transport/transport-stats.js';
