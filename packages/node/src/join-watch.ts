import { InvalidStateError, TrellisError, type Address } from '@trellis/runtime';

/** The join gave up: no seed answered within `swim.joinAttemptsMax` attempts. */
export class JoinFailedError extends TrellisError {
  override readonly name = 'JoinFailedError';
  readonly code = 'ERR_TRELLIS_JOIN_FAILED';
  /** Each seed's last failure. */
  readonly errors: readonly { readonly seed: Address; readonly reason: string }[];

  constructor(attempts: number, errors: readonly { readonly seed: Address; readonly reason: string }[]) {
    const detail = errors.map((e) => `${e.seed} (${e.reason})`).join(', ');
    super(`join failed after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${detail || 'no seed'}`);
    this.errors = errors;
  }
}

type State =
  | { readonly kind: 'joined' }
  | { readonly kind: 'pending'; readonly waiters: { resolve: () => void; reject: (e: Error) => void }[] }
  | { readonly kind: 'failed'; readonly error: Error };

/** `node.joined()`: the outcome of the latest join, as a promise any number of callers await. */
export class JoinWatch {
  #state: State = { kind: 'joined' };

  /** A join started: callers wait for its outcome. */
  start(): void {
    if (this.#state.kind !== 'pending') this.#state = { kind: 'pending', waiters: [] };
  }

  joined(): void {
    this.#settle({ kind: 'joined' });
  }

  failed(error: Error): void {
    this.#settle({ kind: 'failed', error });
  }

  /** The node closed: nobody will join any more. */
  closed(): void {
    if (this.#state.kind === 'pending')
      this.failed(new InvalidStateError('the node closed before it joined'));
  }

  promise(): Promise<void> {
    const s = this.#state;
    if (s.kind === 'joined') return Promise.resolve();
    if (s.kind === 'failed') return Promise.reject(s.error);
    return new Promise((resolve, reject) => s.waiters.push({ resolve, reject }));
  }

  #settle(next: Exclude<State, { kind: 'pending' }>): void {
    const prev = this.#state;
    this.#state = next;
    if (prev.kind !== 'pending') return;
    for (const w of prev.waiters) {
      if (next.kind === 'joined') w.resolve();
      else w.reject(next.error);
    }
  }
}
