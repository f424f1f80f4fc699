import { type Server, createServer, isIP } from 'node:net';
import DgramAsPromised, { type SocketAsPromised } from 'dgram-as-promised';
import { TrellisError } from '@trellis/runtime';

/** The local address or port cannot be bound (in use, not ours, no permission). */
export class BindError extends TrellisError {
  override readonly name = 'BindError';
  readonly code = 'ERR_TRELLIS_BIND';
}

/**
 * Binds UDP, then TCP on the same port number. With port 0 the kernel picks a free UDP port,
 * but that TCP port may be taken; then both are released and a fresh pair is tried.
 */
export async function bindUdpAndTcp(
  host: string,
  port: number,
  attemptsMax: number,
): Promise<{ udp: SocketAsPromised; tcp: Server }> {
  const attempts = port === 0 ? attemptsMax : 1;
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const udp = DgramAsPromised.createSocket({ type: isIP(host) === 6 ? 'udp6' : 'udp4' });
    let udpPort: number;
    try {
      udpPort = (await udp.bind(port, host)).port;
    } catch (error) {
      await closeQuietly(udp);
      throw new BindError(`cannot bind UDP ${host}:${port}: ${message(error)}`, { cause: error });
    }
    try {
      return { udp, tcp: await listenTcp(host, udpPort) };
    } catch (error) {
      lastError = error;
      await closeQuietly(udp);
    }
  }
  throw new BindError(
    `cannot bind TCP ${host}:${port} next to UDP (${attempts} attempts): ${message(lastError)}`,
    {
      cause: lastError,
    },
  );
}

function listenTcp(host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

export async function closeQuietly(udp: SocketAsPromised): Promise<void> {
  try {
    await udp.close();
  } catch {
    // Never bound or already closed: nothing to release.
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
