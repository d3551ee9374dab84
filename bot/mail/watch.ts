import type { MailBot, MessageOutcome } from './bot.js';
import { deliver, type DeliveryLimits, type ReplySink } from './outbox.js';
import type { MailSource } from './source.js';
import type { MailState } from './state.js';

export interface WatchOptions {
  readonly source: MailSource;
  readonly bot: MailBot;
  readonly state: MailState;
  readonly sink: ReplySink;
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
  const redact = options.redact ?? ((t: string) => t);
  while (!signal.aborted) {
    try {
      for (const mail of await source.fetchNew()) {
        const outcomes = await bot.receive([{ index: 0, bytes: mail.raw }], options.now());
        for (const outcome of outcomes) log(outcomeLine(mail.label, outcome));
        await mail.done();
        if (signal.aborted) break;
      }
      for (const outcome of await bot.flushQuiet(options.now())) log(outcomeLine('held', outcome));
      const result = await deliver(state, sink, options.now(), options.limits, redact);
      for (const entry of result.sent) log(`sent ${entry.messageId} in reply to ${entry.inReplyTo}`);
      for (const { entry, error } of result.failed) log(`send failed for ${entry.messageId}, kept in the outbox: ${error}`);
      if (result.deferred > 0) log(`${result.deferred} replies wait for the hourly limit`);
    } catch (error) {
      log(`error: ${redact(error instanceof Error ? error.message : String(error))}`);
    }
    if (!signal.aborted) await source.wait(options.pollMs, signal);
  }
}

/** `uid 7 <a@b> "[PATCH] ..." replied <reply-id>`: one line per message. */
export function outcomeLine(label: string, o: MessageOutcome): string {
  const subject = o.subject.length > 60 ? `${o.subject.slice(0, 57)}...` : o.subject;
  return `${label} ${o.key} ${JSON.stringify(subject)} ${o.outcome}${o.reply ? ` ${o.reply}` : ''}`;
}
