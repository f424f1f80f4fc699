/**
 * How long to wait for a direct ack, learned from the acks we get (RFC 6298's estimator, as TCP
 * sizes its retransmission timeout): smoothed round trip plus four deviations, between
 * `probeTimeoutMinMs` and `probeTimeoutMs`. A fixed 500 ms is a thousand round trips on a LAN,
 * and all of it passes before a dead member's indirect probes even start.
 */
export class RoundTrip {
  #srtt: number | undefined;
  #rttvar = 0;
  readonly #minMs: number;
  readonly #maxMs: number;

  constructor(minMs: number, maxMs: number) {
    this.#minMs = minMs;
    this.#maxMs = maxMs;
  }

  /** One ping's round trip, in ms (an ack to our own probe: no relay in between). */
  sample(ms: number): void {
    const r = Math.max(0, ms);
    if (this.#srtt === undefined) {
      this.#srtt = r;
      this.#rttvar = r / 2;
      return;
    }
    this.#rttvar = 0.75 * this.#rttvar + 0.25 * Math.abs(this.#srtt - r);
    this.#srtt = 0.875 * this.#srtt + 0.125 * r;
  }

  /** The probe timeout before local-health scaling: the maximum until an ack has been timed. */
  get timeoutMs(): number {
    if (this.#srtt === undefined) return this.#maxMs;
    // 1 ms is the clock's granularity: RFC 6298's G.
    const rto = this.#srtt + Math.max(1, 4 * this.#rttvar);
    return Math.min(this.#maxMs, Math.max(this.#minMs, Math.ceil(rto)));
  }
}
