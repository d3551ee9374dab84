import type { MailState, OutboxEntry } from './state.js';

/** Where replies go: SMTP for real, an mbox for a dry run. */
export interface ReplySink {
  /** Resolves when the server accepted the message; rejects otherwise. */
  send(entry: OutboxEntry): Promise<void>;
  close(): Promise<void>;
}

export interface DeliveryLimits {
  /** Replies sent per rolling hour at most; the rest wait in the outbox. */
  readonly perHour: number;
}

export interface DeliveryResult {
  readonly sent: OutboxEntry[];
  readonly failed: { entry: OutboxEntry; error: string }[];
  /** Due replies left queued by the hourly limit. */
  readonly deferred: number;
}

const HOUR = 3_600_000;
/** How long a claim on a reply holds: far longer than one SMTP transaction may take. */
const LEASE = 10 * 60_000;

/** Retry delay after the n-th failed attempt: 30 s, 1 min, 2 min, ... at most one hour. */
export function backoff(attempts: number): number {
  return Math.min(HOUR, 30_000 * 2 ** Math.max(0, attempts - 1));
}

/**
 * Sends every due reply in queue order. A reply is marked sent only after the server
 * accepted it, so a crash or an outage leaves it queued, never lost. The first failure ends
 * the round: the server is likely down for the rest too.
 */
export async function deliver(
  state: MailState,
  sink: ReplySink,
  now: number,
  limits: DeliveryLimits,
  redact: (text: string) => string = (t) => t,
): Promise<DeliveryResult> {
  const sent: OutboxEntry[] = [];
  const failed: { entry: OutboxEntry; error: string }[] = [];
  const due = state.due(now);
  let budget = Math.max(0, limits.perHour - state.sentSince(now - HOUR));
  let index = 0;
  for (; index < due.length && budget > 0; index++) {
    const entry = due[index]!;
    if (!state.claim(entry.id, now, LEASE)) continue; // another process is sending it
    try {
      await sink.send(entry);
    } catch (error) {
      const reason = redact(error instanceof Error ? error.message : String(error));
      state.markFailed(entry.id, reason, now + backoff(entry.attempts + 1));
      failed.push({ entry, error: reason });
      index++;
      break;
    }
    state.markSent(entry.id, now);
    sent.push(entry);
    budget--;
  }
  const deferred = budget === 0 ? due.length - index : 0;
  return { sent, failed, deferred };
}
