import { deliveryError } from './send-error.js';

type Settle = (error: string | undefined) => void;

/**
 * `node.send` promises waiting for their peer's acknowledgement. The driver stops hearing
 * replies (and firing the request timeouts) once the node closes, so whatever is still open
 * then is rejected here, and a send after the close is rejected at once: never a silent hang.
 */
export class PendingSends {
  readonly #open = new Set<Settle>();
  #closed = false;

  /** A promise settled by the `done` that `begin` is given (which may throw: then it rejects). */
  start(member: string, begin: (done: Settle) => void): Promise<void> {
    if (this.#closed) return Promise.reject(deliveryError(member, 'closed', 'the node is closed'));
    return new Promise((resolve, reject) => {
      const settle: Settle = (error) => {
        if (!this.#open.delete(settle)) return;
        if (error === undefined) resolve();
        else reject(deliveryError(member, error, error === 'closed' ? 'the node closed first' : error));
      };
      this.#open.add(settle);
      try {
        begin(settle);
      } catch (error) {
        this.#open.delete(settle);
        throw error;
      }
    });
  }

  close(): void {
    this.#closed = true;
    for (const settle of [...this.#open]) settle('closed');
  }
}
