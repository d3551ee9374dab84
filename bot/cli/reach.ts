import { connect } from 'node:net';

/**
 * Opens (and closes) a TCP connection to the server of `url`, so that a command with no
 * network fails at once with the host it could not reach, rather than after the API client's
 * retries (1 + 4 + 9 s of silence for GitHub). The error names the host and port only: never
 * a user name, password or token. Not a URL: nothing is checked here (the client says why).
 */
export async function checkReachable(url: string, timeoutMs = 10_000): Promise<void> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return; // not a URL: the API client refuses it, saying why
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(parsed.port) || (parsed.protocol === 'http:' ? 80 : 443);
  await new Promise<void>((resolve, reject) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(new UnreachableError(host, port, `no answer within ${Math.round(timeoutMs / 1000)} s`));
    });
    socket.once('error', (error: NodeJS.ErrnoException) => reject(new UnreachableError(host, port, reasonOf(error))));
  });
}

export class UnreachableError extends Error {
  override name = 'UnreachableError';
  constructor(
    readonly host: string,
    readonly port: number,
    reason: string,
  ) {
    super(`cannot reach ${host}:${port}: ${reason}`);
  }
}

function reasonOf(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ENOTFOUND':
      return 'no such host (or no DNS: is there a network?)';
    case 'EAI_AGAIN':
      return 'the name could not be looked up (is there a network?)';
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENETUNREACH':
    case 'EHOSTUNREACH':
      return 'network unreachable (is there a network?)';
    default:
      return error.code ?? error.message;
  }
}
