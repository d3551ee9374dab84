import nodemailer from 'nodemailer';
import type { ReplySink } from './outbox.js';
import type { OutboxEntry } from './state.js';

/**
 * Sends outbox entries with nodemailer. The URL decides the transport security as nodemailer
 * reads it: `smtps://` is TLS from the start, `smtp://` upgrades with STARTTLS when the
 * server offers it (`?requireTLS=true` makes that mandatory). Credentials come in the URL.
 */
export class SmtpSink implements ReplySink {
  private constructor(private readonly transport: ReturnType<typeof nodemailer.createTransport>) {}

  static async create(url: URL, options: { timeoutMs?: number } = {}): Promise<SmtpSink> {
    const timeout = options.timeoutMs ?? 30_000;
    const transport = nodemailer.createTransport({
      url: url.href,
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      // nodemailer's own logger would print the AUTH exchange; keep it off.
      logger: false,
      debug: false,
    });
    return new SmtpSink(transport);
  }

  async send(entry: OutboxEntry): Promise<void> {
    await this.transport.sendMail({
      envelope: { from: entry.envelopeFrom, to: [...entry.recipients] },
      // SMTP wants CRLF line ends (RFC 5321 §2.3.8); the outbox keeps LF.
      raw: entry.raw.replace(/\r?\n/g, '\r\n'),
    });
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}
