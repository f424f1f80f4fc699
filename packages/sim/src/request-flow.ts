import {
  InvalidArgumentError,
  InvalidStateError,
  TransportError,
  type Address,
  type TransportErrorCode,
} from '@trellis/runtime';
import { EventKind, type SimEvent } from './event-queue.js';
import type { HostState } from './host-state.js';
import type { Network } from './network.js';
import { PendingRequest, type ReplyCallback } from './pending-request.js';
import type { TraceKind } from './trace.js';

const failureKinds: Record<TransportErrorCode, TraceKind> = {
  ERR_TRELLIS_TIMEOUT: 'requestTimedOut',
  ERR_TRELLIS_REFUSED: 'requestRefused',
  ERR_TRELLIS_UNREACHABLE: 'requestUnreachable',
  ERR_TRELLIS_CLOSED: 'requestClosed',
  ERR_TRELLIS_OVERSIZED: 'requestOversized',
};

/**
 * Requests over the simulated reliable stream: never lost or duplicated, one link latency each
 * way (plus a size term), blocked by partitions (the caller times out, as TCP would), refused by
 * a missing or crashed host (REFUSED after a round trip, like a reset to the connection attempt),
 * reset by a responder that crashes or closes while it holds the request (UNREACHABLE).
 * Every path ends in `#complete`, the single place `onReply` is called: exactly once.
 */
export class RequestFlow {
  readonly #net: Network;
  #ids = 0;

  constructor(net: Network) {
    this.#net = net;
  }

  send(state: HostState, to: Address, payload: Uint8Array, timeoutMs: number, onReply: ReplyCallback): void {
    const net = this.#net;
    net.assertOpen(state);
    if (payload.length > net.config.streamSizeMax)
      throw new TransportError(
        'ERR_TRELLIS_OVERSIZED',
        `request of ${payload.length} bytes exceeds streamSizeMax ${net.config.streamSizeMax}`,
      );
    if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs))
      throw new InvalidArgumentError(`timeoutMs must be a positive finite number, got ${timeoutMs}`);
    const src = state.slot;
    const target = net.slot(to);
    const timeout = net.event(net.now + timeoutMs, EventKind.requestTimesOut);
    const req = new PendingRequest(++this.#ids, state, target, to, timeoutMs, onReply, timeout);
    timeout.request = req;
    net.queue.push(timeout);
    state.outbound.add(req);
    net.stats.requestsSent++;
    net.emit('requestSent', src.index, target?.index ?? -1, payload.length, req.id);
    if (target === undefined) {
      this.#failAt(req, 'ERR_TRELLIS_REFUSED', net.delay(src.address, to) + net.delay(to, src.address));
      return;
    }
    if (net.blocked(src, target)) return; // the connection attempt vanishes; the caller times out
    const ev = net.event(net.now + net.delay(src.address, to, payload.length), EventKind.requestArrives);
    ev.request = req;
    ev.from = src.index;
    ev.to = target.index;
    ev.payload = payload.slice();
    net.queue.push(ev);
  }

  dispatch(ev: SimEvent): boolean {
    const req = ev.request!;
    switch (ev.kind) {
      case EventKind.requestArrives:
        return this.#arrive(ev, req);
      case EventKind.replyArrives:
        if (req.done || this.#net.blocked(this.#net.slots[ev.from]!, this.#net.slots[ev.to]!)) return false;
        if (this.#net.holdIfHeld(ev)) return true;
        return this.#complete(req, undefined, ev.payload);
      case EventKind.requestFails:
        return this.#complete(req, ev.code, undefined);
      default:
        return this.#complete(req, 'ERR_TRELLIS_TIMEOUT', undefined);
    }
  }

  /** Fails everything `state` is waiting on (silently if it crashed) and resets its inbound streams. */
  abortAll(state: HostState, crashed: boolean): void {
    for (const req of [...state.outbound]) {
      if (crashed) {
        req.done = true;
        req.timeout.cancelled = true;
        this.#net.emit('requestAbandoned', state.slot.index, req.target?.index ?? -1, 0, req.id);
      } else {
        this.#complete(req, 'ERR_TRELLIS_CLOSED', undefined);
      }
    }
    state.outbound.clear();
    for (const req of state.inbound) {
      this.#failAt(
        req,
        'ERR_TRELLIS_UNREACHABLE',
        this.#net.delay(state.slot.address, req.requester.slot.address),
      );
    }
    state.inbound.clear();
  }

  #arrive(ev: SimEvent, req: PendingRequest): boolean {
    const net = this.#net;
    if (req.requester.closed) return false; // the connection died with its requester
    const src = net.slots[ev.from]!;
    const dst = net.slots[ev.to]!;
    if (net.blocked(src, dst)) return false;
    if (net.holdIfHeld(ev)) return true;
    const responder = dst.current;
    const receiver = responder?.receiver;
    if (responder === undefined || receiver === undefined) {
      this.#failAt(req, 'ERR_TRELLIS_REFUSED', net.delay(dst.address, src.address));
      return true;
    }
    req.responder = responder;
    responder.inbound.add(req);
    const payload = ev.payload!;
    net.emit('requestDelivered', src.index, dst.index, payload.length, req.id);
    receiver.onRequest(src.address, payload, (reply) => this.#reply(req, responder, reply));
    return true;
  }

  #reply(req: PendingRequest, responder: HostState, reply: Uint8Array): void {
    const net = this.#net;
    if (req.replied) throw new InvalidStateError(`reply() called twice for request ${req.id}`);
    req.replied = true;
    responder.inbound.delete(req);
    if (responder.closed) return; // nothing leaves a closed transport; the caller was reset already
    const from = responder.slot;
    const to = req.requester.slot;
    if (reply.length > net.config.streamSizeMax) {
      this.#failAt(req, 'ERR_TRELLIS_OVERSIZED', net.delay(from.address, to.address));
      return;
    }
    const ev = net.event(net.now + net.delay(from.address, to.address, reply.length), EventKind.replyArrives);
    ev.request = req;
    ev.from = from.index;
    ev.to = to.index;
    ev.payload = reply.slice();
    net.queue.push(ev);
  }

  #failAt(req: PendingRequest, code: TransportErrorCode, delayMs: number): void {
    const ev = this.#net.event(this.#net.now + delayMs, EventKind.requestFails);
    ev.request = req;
    ev.code = code;
    this.#net.queue.push(ev);
  }

  #complete(
    req: PendingRequest,
    code: TransportErrorCode | undefined,
    reply: Uint8Array | undefined,
  ): boolean {
    if (req.done) return false;
    const net = this.#net;
    req.done = true;
    req.timeout.cancelled = true;
    req.requester.outbound.delete(req);
    const from = req.target?.index ?? -1;
    const to = req.requester.slot.index;
    if (code === undefined) {
      net.stats.requestsAnswered++;
      net.emit('replyDelivered', from, to, reply!.length, req.id);
      req.onReply(undefined, reply);
      return true;
    }
    net.stats.requestsFailed++;
    net.emit(failureKinds[code], from, to, 0, req.id);
    req.onReply(new TransportError(code, failureMessage(code, req)), undefined);
    return true;
  }
}

function failureMessage(code: TransportErrorCode, req: PendingRequest): string {
  switch (code) {
    case 'ERR_TRELLIS_TIMEOUT':
      return `request ${req.id} to ${req.address} timed out after ${req.timeoutMs} ms`;
    case 'ERR_TRELLIS_REFUSED':
      return `request ${req.id}: ${req.address} refused the connection`;
    case 'ERR_TRELLIS_UNREACHABLE':
      return `request ${req.id}: ${req.address} reset the connection`;
    case 'ERR_TRELLIS_CLOSED':
      return `request ${req.id} to ${req.address} failed: transport ${req.requester.slot.address} closed`;
    case 'ERR_TRELLIS_OVERSIZED':
      return `request ${req.id}: reply from ${req.address} exceeds streamSizeMax`;
  }
}
