/** Counters since the simulation started; `Simulation.stats()` returns a copy. */
export interface SimulationStats {
  eventsProcessed: number;
  timersFired: number;
  datagramsSent: number;
  datagramsDelivered: number;
  /** Lost to the loss rate, a partition, a missing or non-listening receiver, or heldMax. */
  datagramsDropped: number;
  datagramsDuplicated: number;
  requestsSent: number;
  requestsAnswered: number;
  requestsFailed: number;
  /** Messages refused by a full hold queue (`heldMax`). */
  heldDropped: number;
}

export function emptyStats(): SimulationStats {
  return {
    eventsProcessed: 0,
    timersFired: 0,
    datagramsSent: 0,
    datagramsDelivered: 0,
    datagramsDropped: 0,
    datagramsDuplicated: 0,
    requestsSent: 0,
    requestsAnswered: 0,
    requestsFailed: 0,
    heldDropped: 0,
  };
}
