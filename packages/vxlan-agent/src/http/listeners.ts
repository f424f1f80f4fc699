import { chmod, chown, lstat, mkdir, mkdtemp, rename, rm, stat, unlink } from 'node:fs/promises';
import type { Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { TrellisError } from '@trellis/runtime';

export type ListenErrorCode = 'ERR_TRELLIS_HTTP_SOCKET_IN_USE' | 'ERR_TRELLIS_HTTP_SOCKET_PATH';

/** The API's socket path is taken: by a running agent, or by something that is not a socket. */
export class HttpListenError extends TrellisError {
  override readonly name = 'HttpListenError';
  readonly code: ListenErrorCode;
  constructor(code: ListenErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export interface SocketOptions {
  readonly path: string;
  readonly mode: number;
  readonly gid: number | undefined;
}

/**
 * Listens on a unix socket that only its owner and group can connect to. The socket is bound
 * in a fresh directory only we can enter, given its mode and group there, and then renamed into
 * place: at no moment can anyone else connect. A socket left by a crashed agent is replaced;
 * one a live agent answers on is not. Returns the function that removes it again.
 */
export async function listenOnSocket(server: Server, opts: SocketOptions): Promise<() => Promise<void>> {
  const dir = dirname(opts.path);
  await mkdir(dir, { recursive: true, mode: 0o755 });
  await clearStaleSocket(opts.path);
  const privateDir = await mkdtemp(join(dir, '.t'));
  const bound = join(privateDir, 's');
  try {
    server.listen(bound);
    await listening(server);
    if (opts.gid !== undefined) await chown(bound, -1, opts.gid);
    await chmod(bound, opts.mode);
    await rename(bound, opts.path);
  } catch (error) {
    if (server.listening) await new Promise((resolve) => server.close(resolve));
    throw error;
  } finally {
    await rm(privateDir, { recursive: true, force: true });
  }
  const { ino } = await stat(opts.path);
  return async () => {
    // Only ours: a newer agent may have replaced it.
    const now = await stat(opts.path).catch(() => undefined);
    if (now?.ino === ino) await unlink(opts.path).catch(() => undefined);
  };
}

export async function listenOnTcp(server: Server, host: string, port: number): Promise<AddressInfo> {
  server.listen({ host, port, exclusive: true });
  await listening(server);
  return server.address() as AddressInfo;
}

async function clearStaleSocket(path: string): Promise<void> {
  const st = await lstat(path).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  });
  if (st === undefined) return;
  if (!st.isSocket())
    throw new HttpListenError(
      'ERR_TRELLIS_HTTP_SOCKET_PATH',
      `${path} exists and is not a socket: remove it, or set http.socket to another path`,
    );
  if (await answers(path))
    throw new HttpListenError(
      'ERR_TRELLIS_HTTP_SOCKET_IN_USE',
      `${path} is served by a running process (another trellis-agent?); stop it or set http.socket`,
    );
  await unlink(path);
}

function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(path);
    const done = (up: boolean) => {
      probe.destroy();
      resolve(up);
    };
    probe.once('connect', () => done(true));
    probe.once('error', () => done(false));
    probe.setTimeout(1000, () => done(true));
  });
}

function listening(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      server.off('listening', onListening);
      reject(error);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
  });
}
