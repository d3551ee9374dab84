import type { MailBot, MessageOutcome } from './bot.js';
import { deliver, type DeliveryLimits, type ReplySink } from './outbox.js';
import type { MailSource } from './source.js';
import type { MailState } from './state.js';
import type { OwnerRelay } from './owner.js';

/** What a first watch does with the mail already in the mailbox. */
export type BacklogMode = 'skip' | 'review';

export const BACKLOG_SKIPPED = 'skipped: in the mailbox before the first watch (--backlog review answers it)';

export interface WatchOptions {
  readonly source: MailSource;
  readonly bot: MailBot;
  readonly state: MailState;
  readonly sink: ReplySink;
  /** Passes a person's mail to the bot on to its owner. */
  readonly relay?: OwnerRelay;
  /** The sink is a dry run's mbox: say "would send", never "sent". */
  readonly dryRun?: boolean;
  /** `skip` (default): backlog mail is recorded as seen, without a reply. */
  readonly backlog?: BacklogMode;
  readonly limits: DeliveryLimits;
  /** Longest wait between two looks at the mailbox (IDLE / inotify wake it sooner). */
  readonly pollMs: number;
  readonly signal: AbortSignal;
  readonly now: () => number;
  readonly log: (line: string) => void;
  readonly redact?: (text: string) => string;
}

/**
 * The long-running bot: read new mail, review, deliver due replies, wait; until `signal`
 * aborts (SIGTERM). A message is acknowledged in the mailbox only after the state recorded
 * it; a failing round is logged and the loop goes on.
 */
export async function runWatch(options: WatchOptions): Promise<void> {
  const { source, bot, state, sink, signal, log } = options;
  const dryRun = options.dryRun ?? false;
  const redact = options.redact ?? ((t: string) => t);
  while (!signal.aborted) {
    try {
      for (const mail of await source.fetchNew()) {
        if (mail.backlog && (options.backlog ?? 'skip') === 'skip') {
          log(outcomeLine(mail.label, bot.skip(mail.raw, BACKLOG_SKIPPED, options.now()), dryRun));
        } else {
          const relayed = await options.relay?.consider(mail.raw, options.now());
          if (relayed) log(outcomeLine(mail.label, relayed, dryRun));
          const outcomes = await bot.receive([{ index: 0, bytes: mail.raw }], options.now());
          for (const outcome of outcomes) log(outcomeLine(mail.label, outcome, dryRun));
        }
        await mail.done();
        if (signal.aborted) break;
      }
      for (const outcome of await bot.flushQuiet(options.now())) log(outcomeLine('held', outcome, dryRun));
      const result = await deliver(state, sink, options.now(), options.limits, redact);
      for (const entry of result.sent) log(sentLine(entry, dryRun ? 'written to the mbox' : null));
      for (const { entry, error } of result.failed) log(`send failed for ${entry.messageId}, kept in the outbox: ${error}`);
      if (result.deferred > 0) log(`${result.deferred} replies wait for the hourly limit`);
    } catch (error) {
      log(`error: ${redact(error instanceof Error ? error.message : String(error))}`);
    }
    if (!signal.aborted) await source.wait(options.pollMs, signal);
  }
}

/**
 * `uid 7 <a@b> "[PATCH] ..." replied <reply-id>`: one line per message. A dry run's reply is
 * `would reply <reply-id>`: nothing was sent.
 */
export function outcomeLine(label: string, o: MessageOutcome, dryRun = false): string {
  const subject = o.subject.length > 60 ? `${o.subject.slice(0, 57)}...` : o.subject;
  const outcome = dryRun && o.outcome === 'replied' ? 'would reply (dry run)' : o.outcome;
  return `${label} ${o.key} ${JSON.stringify(subject)} ${outcome}${o.reply ? ` ${o.reply}` : ''}`;
}

/** `sent <id> in reply to <id>`; a dry run says `would send` and where it wrote it instead. */
export function sentLine(entry: { messageId: string; inReplyTo: string; recipients: readonly string[] }, dryRun: string | null): string {
  const what = entry.inReplyTo.startsWith('forward:') ? `(${entry.inReplyTo.slice('forward:'.length)} passed on)` : `in reply to ${entry.inReplyTo}`;
  const to = `to ${entry.recipients.join(', ')}`;
  return dryRun === null ? `sent ${entry.messageId} ${what} ${to}` : `would send ${entry.messageId} ${what} ${to} (dry run: ${dryRun})`;
}
