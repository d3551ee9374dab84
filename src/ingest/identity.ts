import { createHash } from 'node:crypto';

/**
 * A message's identity, never null and never shared by two different messages: its
 * Message-ID when it has one, else a hash of its bytes (From_ line removed). `git
 * format-patch --stdout` writes no Message-ID, so a range export is told apart this way.
 * The report (`id`), finding anchors, waivers and the mail bot's state all use it
 * (docs/series.md).
 */
export function messageIdentity(messageId: string | null, bytes: Uint8Array): string {
  return messageId ?? `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
