import { TrellisError } from '@trellis/runtime';

/** A store that cannot be registered: its name or wire tag is taken, reserved or malformed. */
export class StoreRegistrationError extends TrellisError {
  override readonly name = 'StoreRegistrationError';
  readonly code = 'ERR_TRELLIS_STORE_REGISTRATION';
}
