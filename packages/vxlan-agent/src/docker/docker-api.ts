import { request as httpRequest, type IncomingMessage } from 'node:http';
import { TrellisError } from '@trellis/runtime';

/**
 * The few Docker Engine API calls the agent makes, as plain HTTP over the daemon's unix socket
 * (no client library: Docker's own SDK is Go, and the npm wrappers pull in request stacks far
 * larger than these five calls). API version 1.41 (Docker 20.10), which every later daemon
 * still serves.
 */
export const dockerApiVersion = 'v1.41';

/** Docker unreachable, or an answer we did not expect: retried by the caller, never fatal. */
export class DockerError extends TrellisError {
  override readonly name = 'DockerError';
  readonly code = 'ERR_TRELLIS_DOCKER';
  constructor(
    message: string,
    /** The HTTP status, or 0 when there was no answer (the daemon is down). */
    readonly status = 0,
  ) {
    super(message);
  }
}

export interface DockerReply {
  readonly status: number;
  readonly body: unknown;
}

/** Bodies larger than this are not Docker's answers to our calls. */
const replyBytesMax = 8 << 20;

export class DockerApi {
  readonly socketPath: string;
  readonly #timeoutMs: number;

  constructor(socketPath: string, timeoutMs = 10_000) {
    this.socketPath = socketPath;
    this.#timeoutMs = timeoutMs;
  }

  /** One call; rejects with DockerError when the daemon cannot be reached or times out. */
  call(method: string, path: string, body?: unknown): Promise<DockerReply> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          socketPath: this.socketPath,
          method,
          path: `/${dockerApiVersion}${path}`,
          timeout: this.#timeoutMs,
          headers: {
            host: 'docker',
            ...(payload === undefined
              ? {}
              : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
          },
        },
        (res) => {
          readBody(res).then(
            (text) => resolve({ status: res.statusCode ?? 0, body: parseJson(text) }),
            (error: unknown) => reject(asDockerError(error)),
          );
        },
      );
      req.on('timeout', () => req.destroy(new DockerError(`docker: ${method} ${path} timed out`)));
      req.on('error', (error) => reject(asDockerError(error)));
      req.end(payload);
    });
  }

  /**
   * Follows `/events` (JSON objects, one after another) until `close()` or the daemon hangs up;
   * `onEnd` is called once either way, with the error if there was one.
   */
  events(
    filters: Readonly<Record<string, readonly string[]>>,
    onEvent: (e: unknown) => void,
    onEnd: (error?: DockerError) => void,
  ): { close(): void } {
    let ended = false;
    const end = (error?: unknown) => {
      if (ended) return;
      ended = true;
      onEnd(error === undefined ? undefined : asDockerError(error));
    };
    const query = encodeURIComponent(JSON.stringify(filters));
    const req = httpRequest(
      {
        socketPath: this.socketPath,
        path: `/${dockerApiVersion}/events?filters=${query}`,
        headers: { host: 'docker' },
      },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          end(new DockerError(`docker: events answered ${res.statusCode}`, res.statusCode));
          return;
        }
        let buffered = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffered += chunk;
          // The daemon writes one JSON object per line.
          let nl: number;
          while ((nl = buffered.indexOf('\n')) >= 0) {
            const line = buffered.slice(0, nl).trim();
            buffered = buffered.slice(nl + 1);
            if (line !== '') onEvent(parseJson(line));
          }
          if (buffered.length > replyBytesMax) req.destroy(new DockerError('docker: an event too large'));
        });
        res.on('end', () => end(new DockerError('docker: the event stream ended')));
        res.on('error', end);
      },
    );
    req.on('error', end);
    req.end();
    return { close: () => req.destroy() };
  }
}

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      text += chunk;
      if (text.length > replyBytesMax) res.destroy(new DockerError('docker: reply too large'));
    });
    res.on('end', () => resolve(text));
    res.on('error', reject);
  });
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function asDockerError(error: unknown): DockerError {
  if (error instanceof DockerError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return new DockerError(`docker unreachable: ${code ?? message}`);
}
