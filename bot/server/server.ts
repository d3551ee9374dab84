import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhooks } from '@octokit/webhooks';

/** GitHub caps webhook payloads at 25 MB. */
const MAX_BODY = 25 * 1024 * 1024;

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
}

const ACTIONS = ['opened', 'synchronize', 'reopened', 'ready_for_review'] as const;

/**
 * The App's webhook endpoint. The HMAC SHA-256 signature (`X-Hub-Signature-256`) is checked on
 * the raw bytes before anything is parsed (401 otherwise); a verified delivery is answered 202
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
    const server = createServer((req, res) => {
      handle(req, res, webhooks, options.log).catch((error: unknown) => {
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

async function handle(req: IncomingMessage, res: ServerResponse, webhooks: Webhooks, log: (line: string) => void): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'GET' && path === '/healthz') return reply(res, 200, 'ok');
  if (req.method !== 'POST' || (path !== '/' && path !== '/api/github/webhooks')) return reply(res, 404, 'not found');
  const raw = await readBody(req);
  if (raw === null) return reply(res, 413, 'payload too large');
  const signature = req.headers['x-hub-signature-256'];
  const id = String(req.headers['x-github-delivery'] ?? '');
  const name = String(req.headers['x-github-event'] ?? '');
  if (typeof signature !== 'string' || !(await webhooks.verify(raw, signature).catch(() => false))) {
    log(`rejected delivery ${id || '(no id)'}: ${typeof signature === 'string' ? 'bad' : 'no'} signature`);
    return reply(res, 401, 'signature does not match');
  }
  let payload: unknown;
  try {
    payload = JSON.parse(raw);
  } catch {
    return reply(res, 400, 'payload is not JSON');
  }
  reply(res, 202, 'accepted');
  // The event name comes from a verified delivery; the handlers only act on pull_request.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  await webhooks.receive({ id, name, payload } as any);
}

async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function reply(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(`${text}\n`);
}
