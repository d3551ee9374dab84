import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhooks } from '@octokit/webhooks';
import { RecentDeliveries } from './deliveries.js';

/** GitHub caps webhook payloads at 25 MB. */
export const MAX_BODY = 25 * 1024 * 1024;

/**
 * GitHub's delivery IDs are GUIDs; this also keeps an ID safe to write into the log and
 * bounds what the replay set holds.
 */
const DELIVERY_ID = /^[A-Za-z0-9._-]{1,128}$/;

export interface PullRequestDelivery {
  readonly id: string;
  readonly action: string;
  readonly owner: string;
  readonly repo: string;
  readonly number: number;
  readonly headSha: string;
  readonly draft: boolean;
  readonly installationId: number | undefined;
}

export interface WebhookServerOptions {
  readonly secret: string;
  readonly port: number;
  readonly host?: string;
  /** Called after the delivery was acknowledged; must not block (queue the work). */
  readonly onPullRequest: (delivery: PullRequestDelivery) => void;
  readonly log: (line: string) => void;
  /** Accepted delivery IDs; a signed delivery whose ID is in it is refused (409) as a replay. */
  readonly deliveries?: RecentDeliveries;
}

const ACTIONS = ['opened', 'synchronize', 'reopened', 'ready_for_review'] as const;

/**
 * The App's webhook endpoint. A body over 25 MB is refused (413) without being kept; the HMAC
 * SHA-256 signature (`X-Hub-Signature-256`) is checked on the raw bytes before anything is
 * parsed (401 otherwise); then the delivery ID must be present (400) and not one already
 * accepted (409: a replay). Only then is the body parsed; a verified delivery is answered 202
 * at once and handled after, well inside GitHub's 10-second limit
 * (https://docs.github.com/webhooks/using-webhooks/best-practices-for-using-webhooks).
 */
export class WebhookServer {
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async create(options: WebhookServerOptions): Promise<WebhookServer> {
    const webhooks = new Webhooks({ secret: options.secret });
    webhooks.on(
      ACTIONS.map((a) => `pull_request.${a}` as const),
      ({ id, payload }) => {
        options.onPullRequest({
          id,
          action: payload.action,
          owner: payload.repository.owner.login,
          repo: payload.repository.name,
          number: payload.pull_request.number,
          headSha: payload.pull_request.head.sha,
          draft: payload.pull_request.draft === true,
          installationId: payload.installation?.id,
        });
      },
    );
    webhooks.onError((error) => options.log(`webhook handler failed: ${error.message}`));
    const deliveries = options.deliveries ?? new RecentDeliveries();
    const server = createServer((req, res) => {
      handle(req, res, webhooks, deliveries, options.log).catch((error: unknown) => {
        options.log(`webhook request failed: ${error instanceof Error ? error.message : String(error)}`);
        if (!res.headersSent) reply(res, 500, 'internal error');
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
    });
    const address = server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return new WebhookServer(server, `http://${host}:${address.port}`);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

async function handle(req: IncomingMessage, res: ServerResponse, webhooks: Webhooks, deliveries: RecentDeliveries, log: (line: string) => void): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'GET' && path === '/healthz') return reply(res, 200, 'ok');
  if (req.method !== 'POST' || (path !== '/' && path !== '/api/github/webhooks')) return reply(res, 404, 'not found');
  const header = req.headers['x-github-delivery'];
  // Unverified until the signature is checked: only ever logged in this safe shape.
  const id = typeof header === 'string' && DELIVERY_ID.test(header) ? header : undefined;
  const name = String(req.headers['x-github-event'] ?? '');
  // A declared length over the cap is refused before a byte of the body is read.
  const raw = Number(req.headers['content-length'] ?? 0) > MAX_BODY ? null : await readBody(req);
  if (raw === null) {
    log(`rejected delivery ${id ?? '(no id)'}: body over ${MAX_BODY} bytes`);
    return tooLarge(req, res);
  }
  const signature = req.headers['x-hub-signature-256'];
  if (typeof signature !== 'string' || !(await webhooks.verify(raw, signature).catch(() => false))) {
    log(`rejected delivery ${id ?? '(no id)'}: ${typeof signature === 'string' ? 'bad' : 'no'} signature`);
    return reply(res, 401, 'signature does not match');
  }
  // Without an ID a captured delivery could be replayed at will, so one is required.
  if (id === undefined) {
    log(`rejected a signed delivery: ${header === undefined ? 'no' : 'a malformed'} X-GitHub-Delivery header`);
    return reply(res, 400, 'missing or malformed X-GitHub-Delivery');
  }
  if (deliveries.has(id)) {
    log(`rejected delivery ${id}: already received (a replay, or a redelivery of a delivery that was handled)`);
    return reply(res, 409, 'delivery already received');
  }
  let payload: unknown;
  try {
    payload = JSON.parse(raw);
  } catch {
    return reply(res, 400, 'payload is not JSON');
  }
  // Nothing was awaited since deliveries.has(): two concurrent copies cannot both get here.
  deliveries.add(id);
  reply(res, 202, 'accepted');
  // The event name comes from a verified delivery; the handlers only act on pull_request.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-argument
  await webhooks.receive({ id, name, payload } as any);
}

/**
 * Reads the body, or null as soon as it passes MAX_BODY: what came so far is dropped and the
 * request is left paused (not destroyed: the 413 still has to go out on its socket).
 */
function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (): void => {
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= MAX_BODY) return void chunks.push(chunk);
      stop();
      req.pause();
      chunks.length = 0;
      resolve(null);
    };
    const onEnd = (): void => {
      stop();
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const onError = (error: Error): void => {
      stop();
      reject(error);
    };
    const onClose = (): void => onError(new Error('the connection closed before the body ended'));
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

/**
 * A refused body is read on and dropped for a little while (a lingering close, as nginx does),
 * then the connection is closed: closing at once, with the client still sending, resets the
 * connection and can lose the 413 on its way to the client. A client sending without end
 * costs at most these few more bytes and this long.
 */
const LINGER_BYTES = 4 * 1024 * 1024;
const LINGER_MS = 2000;

function tooLarge(req: IncomingMessage, res: ServerResponse): void {
  const text = 'payload too large\n';
  // With its Content-Length the answer is whole for the client as soon as it is written; the
  // response is ended (which lets Node close the connection) only once the lingering is over.
  res.writeHead(413, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text), connection: 'close' });
  res.write(text);
  const socket = req.socket;
  let dropped = 0;
  const close = (cut: boolean): void => {
    clearTimeout(timer);
    res.end();
    if (cut) socket.destroy();
  };
  const timer = setTimeout(() => close(true), LINGER_MS);
  socket.once('close', () => clearTimeout(timer));
  // The client stopped and ended its request: a plain close, nothing left unread.
  req.once('end', () => close(false));
  // Consuming it here also keeps Node from draining the rest of the body with no limit.
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > LINGER_BYTES) close(true);
  });
  req.resume();
}

function reply(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(`${text}\n`);
}
