import type { Writable } from 'node:stream';
import { escapeMboxrd } from '../../src/ingest/mbox.js';
import type { ReplySink } from './outbox.js';
import type { OutboxEntry } from './state.js';

/**
 * The dry run's sink: each reply appended to an mboxrd stream (stdout or `--out FILE`),
 * From_ line first, `>From ` escaped, a blank line after. Any mail reader opens the result.
 */
export class MboxSink implements ReplySink {
  constructor(
    private readonly out: Writable,
    private readonly now: () => Date,
    private readonly ownsStream = false,
  ) {
    // A failed write to --out (ENOSPC, EIO) reaches send() through the write callback; without
    // a listener its 'error' event would also end the process with a stack trace.
    if (ownsStream) out.on('error', () => undefined);
  }

  async send(entry: OutboxEntry): Promise<void> {
    const body = escapeMboxrd(entry.raw.endsWith('\n') ? entry.raw : `${entry.raw}\n`);
    const text = `From ${entry.envelopeFrom} ${asctime(this.now())}\n${body}\n`;
    await new Promise<void>((resolve, reject) => this.out.write(text, (error) => (error ? reject(error) : resolve())));
  }

  async close(): Promise<void> {
    if (!this.ownsStream) return;
    await new Promise<void>((resolve) => this.out.end(resolve));
  }
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The From_ line's date: `Wed Nov 25 22:00:00 2026` (C asctime, UTC). */
export function asctime(date: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${DAYS[date.getUTCDay()]} ${MONTHS[date.getUTCMonth()]} ${p(date.getUTCDate())} ${p(date.getUTCHours())}:${p(date.getUTCMinutes())}:${p(date.getUTCSeconds())} ${date.getUTCFullYear()}`;
}
