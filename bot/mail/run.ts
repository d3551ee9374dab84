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
import { outcomeLine, runWatch, sentLine, type BacklogMode } from './watch.js';
import type { MailSource } from './source.js';
import { OwnerRelay, type OwnerTarget } from './owner.js';
import type { RawMessage } from '../../src/ingest/mbox.js';
import type { MessageOutcome } from './bot.js';

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
  /** Where a person's mail to the bot goes (`--owner`, `--owner-maildir`). */
  readonly owner?: OwnerTarget;
  /** What happened to each message, each reply: stderr and `--log FILE`. */
  readonly log: (line: string) => void;
  /** How the run is set up (stderr only; defaults to `log`). */
  readonly notice?: (line: string) => void;
  readonly now: () => number;
}

async function open(options: MailRunOptions, exclusive = false): Promise<{ state: MailState; sink: ReplySink; bot: MailBot; relay: OwnerRelay; redact: (t: string) => string }> {
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
  const notice = options.notice ?? options.log;
  if (options.replyTo !== 'author' && !options.maintainers) notice('no --maintainers file: replies go to the patch author only');
  if (options.smtp === null) notice(`dry run: replies are written ${options.outFile ? `to ${options.outFile}` : 'to stdout'}, nothing is sent and the state is not changed`);
  else notice(`sending through ${redactUrl(options.smtp)}`);
  const relay = new OwnerRelay(state, options.from, options.owner ?? {}, options.smtp === null);
  return { state, sink, bot, relay, redact: redactor(options.smtp) };
}

/** A dry run could not write its replies (--out on a full disk): the run fails, named. */
export class DryRunWriteError extends Error {
  override name = 'DryRunWriteError';
}

/** `patchsentry mail [PATH|-]`: one run over a message or an mbox, then the due replies. */
export async function runMail(input: string, options: MailRunOptions & { readonly stdin?: Readable; readonly flushAll: boolean }): Promise<{ sent: number; queued: number }> {
  const { state, sink, bot, relay, redact } = await open(options);
  const dryRun = options.smtp === null;
  try {
    const label = input === '-' ? 'stdin' : input;
    const relayed: MessageOutcome[] = [];
    const outcomes = await bot.receive(passOn(readInput(input, options.stdin), relay, relayed, options.now()), options.now(), options.flushAll);
    for (const outcome of [...relayed, ...outcomes]) options.log(outcomeLine(label, outcome, dryRun));
    const result = await deliver(state, sink, options.now(), { perHour: options.perHour }, redact);
    for (const entry of result.sent) options.log(sentLine(entry, dryRun ? `written to ${options.outFile ?? 'stdout'}` : null));
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
  /** What a first watch does with the mail already in the mailbox (default `skip`). */
  readonly backlog?: BacklogMode;
  readonly maildir?: string;
  readonly imap?: URL;
  /** A public-inbox v2 archive (a lore mirror) to follow. */
  readonly publicInbox?: string;
  /** With publicInbox: on the first run, review the messages dated from here (ms) on. */
  readonly since?: number;
  readonly pollMs: number;
  readonly signal: AbortSignal;
}

/** `patchsentry watch`: the long-running bot over a Maildir, an IMAP mailbox or a public-inbox archive. */
export async function runWatchCommand(options: WatchRunOptions): Promise<void> {
  // One watch per state file: a second one would read the same mailbox and race the first.
  const { state, sink, bot, relay, redact } = await open(options, true);
  const dryRun = options.smtp === null;
  const redactAll = (text: string): string => redactor(options.imap)(redact(text));
  let source: MailSource | null = null;
  try {
    // Loaded here, not at the top: imapflow alone costs `mail` (one process per message) ~0.4 s.
    source = options.imap
      ? await (await import('./imap.js')).ImapSource.create(options.imap, state)
      : options.publicInbox !== undefined
        ? await (await import('./public-inbox.js')).PublicInboxSource.create(options.publicInbox, state, { log: options.log, ...(options.since === undefined ? {} : { since: options.since }) })
        : await (
          await import('./maildir.js')
        ).MaildirSource.create(options.maildir!, { known: (raw) => bot.known(raw), getMeta: (k) => state.getMeta(k), setMeta: (k, v) => state.setMeta(k, v) }, { readOnly: dryRun });
    const notice = options.notice ?? options.log;
    notice(`watching ${options.imap ? redactUrl(options.imap) : (options.publicInbox ?? options.maildir)}`);
    await runWatch({
      source,
      bot,
      state,
      sink,
      relay,
      dryRun,
      backlog: options.backlog ?? 'skip',
      limits: { perHour: options.perHour },
      pollMs: options.pollMs,
      signal: options.signal,
      now: options.now,
      log: options.log,
      redact: redactAll,
    });
    notice('stopped');
  } catch (error) {
    throw new Error(redactAll(error instanceof Error ? error.message : String(error)));
  } finally {
    await source?.close();
    await sink.close();
    state.close();
  }
}

/**
 * Hands each message to the owner relay (a person writing to the bot) on its way into the
 * review; what the relay did is collected in `outcomes`.
 */
async function* passOn(raws: AsyncIterable<RawMessage>, relay: OwnerRelay, outcomes: MessageOutcome[], now: number): AsyncGenerator<RawMessage> {
  for await (const raw of raws) {
    const outcome = await relay.consider(raw.bytes, now);
    if (outcome) outcomes.push(outcome);
    yield raw;
  }
}

