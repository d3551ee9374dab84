import type { Patch } from '../../src/ingest/patch.js';
import { atLeast, type Finding, type Severity } from '../../src/engine/finding.js';

/**
 * Why the bot stays silent on a patch, or null when it may reply. List mail always carries
 * `Precedence: bulk` and `List-Id`; they are deliberately not looked at (docs/mail-bot.md).
 */
export function silenceReason(patch: Patch, self: string): string | null {
  const { message } = patch;
  // RFC 3834 §2: anything but "no" marks automatic mail, which must not be answered.
  if (message.autoSubmitted !== null && message.autoSubmitted !== 'no') return `Auto-Submitted: ${message.autoSubmitted}`;
  const sender = message.from?.address.toLowerCase();
  if (sender !== undefined && sender === self.toLowerCase()) return 'own mail';
  if (patch.subject.isReply || patch.kind === 'reply') return 'a reply (Re:)';
  if (message.messageId === null) return 'no Message-ID to reply to';
  return null;
}

/**
 * The findings worth a reply: not waived, at or above `minSeverity`, and (for v2 and later of
 * a series) not already reported on the previous version.
 */
export function replyFindings(findings: readonly Finding[], minSeverity: Severity, previous: ReadonlySet<string> | null): Finding[] {
  return findings.filter((f) => f.waiver === undefined && atLeast(f.severity, minSeverity) && !(previous?.has(f.fingerprint) ?? false));
}

/** The thread a message belongs to: its root Message-ID. */
export function threadOf(patch: Patch): string {
  const { message } = patch;
  return message.references[0] ?? message.inReplyTo ?? message.id;
}

/** Series identity across versions: same sender, same title (docs/mail-bot.md). */
export function seriesKey(members: readonly Patch[]): string {
  const first = members[0];
  if (!first) return '';
  const who = (first.message.author ?? first.message.from)?.address.toLowerCase() ?? '';
  return `${who}\0${first.subject.title.toLowerCase().replace(/\s+/g, ' ')}`;
}
