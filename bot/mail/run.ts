import { createWriteStream } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { readInput } from '../io/input.js';
import type { Address } from '../../src/ingest/message.js';
import type { Config } from '../../src/engine/config.js';
import type { Severity } from '../../src/engine/finding.js';
import type { RulePack } from '../../src/engine/rule.js';
import type { Maintainers } from '../../src/engine/maintainers.js';
import type { ReplyTo } from '../../src/report/recipients.js';
import { MailBot } from './bot.js';
import { MailState } from './state.js';
import { MboxSink } from './mbox-sink.js';
import { SmtpSink } from './smtp.js';
import { deliver, type ReplySink } from './outbox.js';
import { redactUrl, redactor } from './secrets.js';
import { outcomeLine, runWatch } from './watch.js';
import type { MailSource } from './source.js';

/** What `mail` and `watch` share, resolved from argv and env by the CLI. */
export interface MailRunOptions {
  readonly pack: RulePack;
  readonly config: Config;
  readonly from: Address;
  readonly stateFile: string;
  /** null: dry run, replies go to `out` as mboxrd. */
  readonly smtp: URL | null;
  readonly out: Writable;
  readonly outFile?: string;
  readonly quietMs: number;
  readonly minSeverity: Severity;
  readonly perThread: number;
  readonly perHour: number;
  /** Who replies go to (default `maintainers`, which needs `maintainers` to name anyone but the author). */
  readonly replyTo?: ReplyTo;
  /** `--maintainers FILE`, read. */
  readonly maintainers?: Maintainers;
  readonly log: (line: string) => void;
  readonly now: () => number;
}

async function open(options: MailRunOptions, exclusive = false): Promise<{ state: MailState; sink: ReplySink; bot: MailBot; redact: (t: string) => string }> {
  const state = await MailState.create(options.stateFile, { dryRun: options.smtp === null, exclusive });
  const sink =
    options.smtp === null
      ? new MboxSink(options.outFile ? createWriteStream(options.outFile, { flags: 'a' }) : options.out, () => new Date(options.now()), options.outFile !== undefined)
      : await SmtpSink.create(options.smtp);
  const bot = new MailBot(state, {
    pack: options.pack,
    config: options.config,
    from: options.from,
    minSeverity: options.minSeverity,
    quietMs: options.quietMs,
    perThread: options.perThread,
    ...(options.replyTo ? { replyTo: options.replyTo } : {}),
    ...(options.maintainers ? { maintainers: options.maintainers } : {}),
  });
  if (options.replyTo !== 'author' && !options.maintainers) options.log('no --maintainers file: replies go to the patch author only');
  if (options.smtp === null) options.log(`dry run: replies are written ${options.outFile ? `to ${options.outFile}` : 'to stdout'}, nothing is sent and the state is not changed`);
  else options.log(`sending through ${redactUrl(options.smtp)}`);
  return { state, sink, bot, redact: redactor(options.smtp) };
}

/** A dry run could not write its replies (--out on a full disk): exit 2, the run named. */
export class DryRunWriteError extends Error {
  override name = 'DryRunWriteError';
}

/** `patchsentry mail [PATH|-]`: one run over a message or an mbox, then the due replies. */
export async function runMail(input: string, options: MailRunOptions & { readonly stdin?: Readable; readonly flushAll: boolean }): Promise<{ sent: number; queued: number }> {
  const { state, sink, bot, redact } = await open(options);
  try {
    const outcomes = await bot.receive(readInput(input, options.stdin), options.now(), options.flushAll);
    for (const outcome of outcomes) options.log(outcomeLine(input === '-' ? 'stdin' : input, outcome));
    const result = await deliver(state, sink, options.now(), { perHour: options.perHour }, redact);
    for (const entry of result.sent) options.log(`${options.smtp ? 'sent' : 'written'} ${entry.messageId} in reply to ${entry.inReplyTo}`);
    if (options.smtp === null && result.failed.length > 0) {
      // A dry run keeps nothing for a later run: a reply it could not write is lost, so say so.
      const [first] = result.failed;
      throw new DryRunWriteError(`cannot write ${result.failed.length} repl${result.failed.length === 1 ? 'y' : 'ies'} to ${options.outFile ?? 'stdout'}: ${first!.error}`);
    }
    for (const { entry, error } of result.failed) options.log(`send failed for ${entry.messageId}, kept in the outbox for a later run: ${error}`);
    if (result.deferred > 0) options.log(`${result.deferred} replies wait for the hourly limit`);
    return { sent: result.sent.length, queued: state.due(Number.MAX_SAFE_INTEGER).length };
  } finally {
    await sink.close();
    state.close();
  }
}

export interface WatchRunOptions extends MailRunOptions {
  readonly maildir?: string;
  readonly imap?: URL;
  readonly pollMs: number;
  readonly signal: AbortSignal;
}

/** `patchsentry watch`: the long-running bot over a Maildir or an IMAP mailbox. */
export async function runWatchCommand(options: WatchRunOptions): Promise<void> {
  // One watch per state file: a second one would read the same mailbox and race the first.
  const { state, sink, bot, redact } = await open(options, true);
  const redactAll = (text: string): string => redactor(options.imap)(redact(text));
  let source: MailSource | null = null;
  try {
    // Loaded here, not at the top: imapflow alone costs `mail` (one process per message) ~0.4 s.
    source = options.imap
      ? await (await import('./imap.js')).ImapSource.create(options.imap, state)
      : await (await import('./maildir.js')).MaildirSource.create(options.maildir!);
    options.log(`watching ${options.imap ? redactUrl(options.imap) : options.maildir}`);
    await runWatch({ source, bot, state, sink, limits: { perHour: options.perHour }, pollMs: options.pollMs, signal: options.signal, now: options.now, log: options.log, redact: redactAll });
    options.log('stopped');
  } catch (error) {
    throw new Error(redactAll(error instanceof Error ? error.message : String(error)));
  } finally {
    await source?.close();
    await sink.close();
    state.close();
  }
}
