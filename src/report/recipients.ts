import type { Address } from '../ingest/message.js';
import { wholeDiff, type Patch } from '../ingest/patch.js';
import type { Finding } from '../engine/finding.js';
import { firstOfEachAddress, responsibleFor, type Maintainers } from '../engine/maintainers.js';

/**
 * Who a reply goes to. Xen asked bots (xen-devel, January 2021, on patchew's reports) not to
 * write to the list, "to limit the noise level", and to write to the patch's author first:
 * - `author`: the author only;
 * - `maintainers` (the default): the author, and on Cc the maintainers and reviewers (M:, R:)
 *   of the files the findings are on, from the MAINTAINERS file (the author alone without one);
 * - `list`: the list the patch was posted to, and on Cc the author and those maintainers.
 */
export type ReplyTo = 'author' | 'maintainers' | 'list';

export const REPLY_TO: readonly ReplyTo[] = ['author', 'maintainers', 'list'];

export interface RecipientOptions {
  readonly replyTo: ReplyTo;
  /** The MAINTAINERS file, read (`engine/maintainers.ts`); absent: no maintainers known. */
  readonly maintainers?: Maintainers;
  /** The bot's own address: never a recipient. */
  readonly self: string;
}

export interface Recipients {
  readonly to: readonly Address[];
  readonly cc: readonly Address[];
}

/**
 * The reply's To and Cc: nobody twice (addresses compared without case), the author never on
 * both, the bot never. The list, for `list`, is the patch's To/Cc addresses that MAINTAINERS
 * names as a list (L:), or else the patch's To addresses (`git send-email --to` the list).
 */
export function replyRecipients(patch: Patch, findings: readonly Finding[], options: RecipientOptions): Recipients {
  const { message } = patch;
  const author = message.author ?? message.from;
  const take = firstOfEachAddress([options.self]);
  const people = (): Address[] => {
    if (options.replyTo === 'author' || !options.maintainers) return [];
    const paths = [...new Set(findings.map((f) => f.path))];
    const changedLines = wholeDiff(patch).files.flatMap((f) => f.hunks.flatMap((h) => h.lines.filter((l) => l.kind !== 'context').map((l) => `${l.kind === 'add' ? '+' : '-'}${l.text}`)));
    const { maintainers, reviewers } = responsibleFor(options.maintainers, paths, { intro: `${message.subject}\n${message.prose}`, changedLines });
    return [...maintainers, ...reviewers];
  };
  if (options.replyTo !== 'list') {
    const to = take(author ? [author] : []);
    return { to, cc: take(people()) };
  }
  const known = new Set((options.maintainers?.sections ?? []).flatMap((s) => s.lists.map((l) => l.toLowerCase())));
  const lists = [...message.to, ...message.cc].filter((a) => known.has(a.address.toLowerCase()));
  const authorKey = author?.address.toLowerCase();
  const to = take(lists.length > 0 ? lists : message.to.filter((a) => a.address.toLowerCase() !== authorKey));
  const cc = take([...(author ? [author] : []), ...people()]);
  // Nobody to write to but the author: the author is the To.
  return to.length > 0 ? { to, cc } : { to: cc.slice(0, 1), cc: cc.slice(1) };
}
