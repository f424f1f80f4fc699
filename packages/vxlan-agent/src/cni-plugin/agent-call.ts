import { request } from 'node:http';

export type AgentAnswer =
  | { readonly ok: true; readonly status: number; readonly body: unknown }
  | { readonly ok: false; readonly error: string };

/** The agent answers within this, or the runtime is told to try again later. */
const timeoutMs = 20_000;
const answerBytesMax = 1024 * 1024;

/** One request to the agent's API on its unix socket; a connection failure is an answer too. */
export function callAgent(
  socket: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<AgentAnswer> {
  return new Promise((resolve) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      {
        socketPath: socket,
        method,
        path,
        headers: {
          host: 'localhost',
          ...(payload === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
        },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= answerBytesMax) chunks.push(c);
        });
        res.on('error', (e) => resolve({ ok: false, error: e.message }));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = text === '' ? undefined : JSON.parse(text);
          } catch {
            parsed = { error: 'the agent answered something that is not JSON' };
          }
          resolve({ ok: true, status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ ok: false, error: e.code ?? e.message }));
    req.end(payload);
  });
}
