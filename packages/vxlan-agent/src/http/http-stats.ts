export type ListenerName = 'socket' | 'tcp';

/** What the API saw: requests per listener, refusals by reason, connection counts. */
export class HttpStats {
  readonly requests: Record<ListenerName, number> = { socket: 0, tcp: 0 };
  /** Requests and connections refused or cut, by reason (malformed, wrongHost, unauthorized...). */
  readonly rejected: Record<string, number> = {};
  readonly connections: Record<ListenerName, number> = { socket: 0, tcp: 0 };
  readonly connectionsPeak: Record<ListenerName, number> = { socket: 0, tcp: 0 };

  reject(reason: string): void {
    this.rejected[reason] = (this.rejected[reason] ?? 0) + 1;
  }
}
