import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';

export interface Received {
  readonly from: string;
  readonly to: string[];
  readonly raw: string;
}

/** A real SMTP server on 127.0.0.1 (random port) that keeps what it accepts. */
export class TestSmtpServer {
  readonly received: Received[] = [];
  /** Answers for the next DATA commands instead of accepting them (e.g. 451, 550). */
  readonly rejectNext: { code: number; message: string }[] = [];
  /** How long the server takes before it answers DATA (a slow server). */
  dataDelayMs = 0;
  private server: SMTPServer | null = null;
  port = 0;

  constructor(private readonly auth?: { user: string; pass: string }) {}

  /** Listens on `port` (0: any free one). */
  async start(port = 0): Promise<number> {
    const auth = this.auth;
    this.server = new SMTPServer({
      // Plain SMTP on loopback: no STARTTLS (its self-signed certificate would fail the client).
      disabledCommands: auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
      authOptional: !auth,
      allowInsecureAuth: true,
      logger: false,
      onAuth(credentials, _session, callback) {
        if (auth && credentials.username === auth.user && credentials.password === auth.pass) callback(null, { user: auth.user });
        else callback(new Error('Invalid username or password'));
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const reject = this.rejectNext.shift();
          if (reject) {
            callback(Object.assign(new Error(reject.message), { responseCode: reject.code }));
            return;
          }
          const accept = (): void => {
            this.received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
              raw: Buffer.concat(chunks).toString('utf8'),
            });
            callback();
          };
          if (this.dataDelayMs > 0) setTimeout(accept, this.dataDelayMs);
          else accept();
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.server.address() as AddressInfo).port;
    return this.port;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    const server = this.server;
    this.server = null;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** The header block of a received message, unfolded, as name (lower case) → value. */
export function headersOf(raw: string): Map<string, string> {
  const head = raw.split(/\r?\n\r?\n/)[0] ?? '';
  const map = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) map.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  return map;
}

export function bodyOf(raw: string): string {
  return raw.split(/\r?\n\r?\n/).slice(1).join('\n\n').replace(/\r\n/g, '\n');
}
