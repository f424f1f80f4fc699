import { TrellisError } from '@trellis/runtime';

/**
 * A broadcast class that cannot be added or used: it exists already, its share is not in
 * (0, 1], or news names a class nobody added. Local misuse by a store plug-in, so it throws.
 */
export class BroadcastClassError extends TrellisError {
  override readonly name = 'BroadcastClassError';
  readonly code = 'BROADCAST_CLASS';
  /** The class in question. */
  readonly cls: string;

  constructor(cls: string, message: string) {
    super(`broadcast class ${JSON.stringify(cls)}: ${message}`);
    this.cls = cls;
  }
}
