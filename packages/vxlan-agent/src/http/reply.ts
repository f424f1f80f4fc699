import { TrellisError } from '@trellis/runtime';

/** A response: status, content type, body and any further headers. */
export interface Reply {
  readonly status: number;
  readonly type: string;
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Close the connection after it (a body we did not read must not be parsed as a request). */
  readonly close?: boolean;
}

/** A request the API refuses, with the HTTP status to answer and the reason it is counted under. */
export class HttpError extends TrellisError {
  override readonly name = 'HttpError';
  readonly code = 'ERR_TRELLIS_HTTP';
  constructor(
    readonly status: number,
    message: string,
    readonly reason = 'invalidRequest',
  ) {
    super(message);
  }
}

export function json(status: number, body: unknown, headers?: Readonly<Record<string, string>>): Reply {
  return {
    status,
    type: 'application/json',
    body: `${JSON.stringify(body, replacer, 2)}\n`,
    ...(headers === undefined ? {} : { headers }),
  };
}

export function problem(status: number, message: string, extra: Partial<Reply> = {}): Reply {
  return { ...json(status, { error: message }), ...extra };
}

/** Byte arrays (member metadata) as base64 in JSON. */
function replacer(_key: string, value: unknown): unknown {
  return value instanceof Uint8Array ? Buffer.from(value).toString('base64') : value;
}
