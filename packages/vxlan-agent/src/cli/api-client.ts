import { request } from 'node:http';
import { TrellisError } from '@trellis/runtime';

export type ApiClientErrorCode =
  'ERR_TRELLIS_API_UNREACHABLE' | 'ERR_TRELLIS_API_DENIED' | 'ERR_TRELLIS_API_REPLY';

/** The agent's socket could not be used, or it answered something we cannot read. */
export class ApiClientError extends TrellisError {
  override readonly name = 'ApiClientError';
  readonly code: ApiClientErrorCode;
  constructor(code: ApiClientErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

const replyBytesMax = 64 * 1024 * 1024;

/** GET `path` from the agent's unix socket and parse the JSON reply. */
export function getJson(socketPath: string, path: string, timeoutMs: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const fail = (error: ApiClientError) => {
      req.destroy();
      reject(error);
    };
    const req = request(
      { socketPath, path, method: 'GET', headers: { host: 'localhost' }, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > replyBytesMax)
            fail(new ApiClientError('ERR_TRELLIS_API_REPLY', `${path}: reply too large`));
          else chunks.push(chunk);
        });
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200)
            return fail(
              new ApiClientError('ERR_TRELLIS_API_REPLY', `${path}: HTTP ${res.statusCode} ${text.trim()}`),
            );
          try {
            resolve(JSON.parse(text));
          } catch {
            fail(new ApiClientError('ERR_TRELLIS_API_REPLY', `${path}: the reply is not JSON`));
          }
        });
        res.on('error', (error) =>
          fail(new ApiClientError('ERR_TRELLIS_API_REPLY', `${path}: ${error.message}`)),
        );
      },
    );
    req.on('timeout', () =>
      fail(
        new ApiClientError(
          'ERR_TRELLIS_API_UNREACHABLE',
          `no answer on ${socketPath} within ${timeoutMs} ms`,
        ),
      ),
    );
    req.on('error', (error: NodeJS.ErrnoException) => fail(connectError(socketPath, error)));
    req.end();
  });
}

function connectError(socketPath: string, error: NodeJS.ErrnoException): ApiClientError {
  if (error.code === 'EACCES' || error.code === 'EPERM')
    return new ApiClientError(
      'ERR_TRELLIS_API_DENIED',
      `permission denied on ${socketPath}: run as root or as a member of the socket's group (http.socketGroup)`,
      { cause: error },
    );
  const why =
    error.code === 'ENOENT' || error.code === 'ECONNREFUSED'
      ? 'no trellis-agent is listening there (is it running? is http.socket set to another path?)'
      : error.message;
  return new ApiClientError('ERR_TRELLIS_API_UNREACHABLE', `cannot reach ${socketPath}: ${why}`, {
    cause: error,
  });
}
