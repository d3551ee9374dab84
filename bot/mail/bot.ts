import { messageIdentity } from '../../src/ingest/identity.js';
import { isFromLineIn, type RawMessage } from '../../src/ingest/mbox.js';
import { decodeHeaderText, firstField, loadMimeCodecs, needsMimeCodecs, parseMessageIds, readHeaderBlock } from '../../src/ingest/headers.js';
import { diffText, type Address } from '../../src/ingest/message.js';
import type { Patch } from '../../src/ingest/patch.js';
import { patchId } from '../../src/ingest/patch-id.js';
import { reviewMessages, type PatchReport } from '../../src/pipeline.js';
import type { Config } from '../../src/engine/config.js';
import type { Severity } from '../../src/engine/finding.js';
import type { RulePack } from '../../src/engine/rule.js';
import type { Maintainers } from '../../src/engine/maintainers.js';
import type { ReplyTo } from '../../src/report/recipients.js';
import { formatEmail, renderReply } from '../../src/report/email.js';
import type { MailState } from './state.js';
import { replyFindings, seriesKey, silenceReason, threadOf } from './manners.js';
import { takeReplyAcks, threadAcksOf } from './acks.js';

export interface MailBotOptions {
  readonly pack: RulePack;
  readonly config: Config;
  /** The bot's address: the replies' From, and mail from it is never answered. */
  readonly from: Address;
  /** Findings below this get no reply (default `info`: the P2 reminder is the point). */
  readonly minSeverity?: Severity;
  /** An incomplete series is reviewed as it is once its newest message is this old (ms). */
  readonly quietMs: number;
  /** Replies per thread per day at most; more are dropped, with a log line. */
  readonly perThread?: number;
  /** Who replies go to (src/report/recipients.ts); default `maintainers`. */
  readonly replyTo?: ReplyTo;
  /** The MAINTAINERS file, read: the maintainers and reviewers replies go to. */
  readonly maintainers?: Maintainers;
}

/** What happened to one message, for the one log line per message. */
export interface MessageOutcome {
  readonly key: string;
  readonly subject: string;
  /** `held`, `duplicate`, `not a patch`, `clean`, `replied`, `waived`, `nothing new to report`, `silent: <why>`, `error: <why>`, `waiver given: …`. */
  readonly outcome: string;
  /** Message-ID of the reply queued for it. */
  readonly reply?: string;
}

const DAY = 86_400_000;
/** Messages taken in before the held set is reviewed, on a long input. */
const CHUNK = 256;

/**
 * The list bot's review step: messages in, replies into the outbox. Messages wait in the
 * state's `held` table until their series is complete (every n/N seen) or quiet; the whole
 * held set goes through the one pipeline again each time, which costs little (it is small)
 * and lets a one-message-per-process MDA invocation work.
 */
export class MailBot {
  constructor(
    private readonly state: MailState,
    private readonly options: MailBotOptions,
  ) {}

  /**
   * Adds messages and reviews every series that is now ready. `flushAll` reviews incomplete
   * series too (the end of a file that holds whole threads).
   */
  async receive(raws: AsyncIterable<RawMessage> | Iterable<RawMessage>, now: number, flushAll = false): Promise<MessageOutcome[]> {
    const outcomes: MessageOutcome[] = [];
    let fresh = new Set<string>();
    for await (const raw of raws) {
      const bytes = withoutFromLine(raw.bytes);
      const block = readHeaderBlock(bytes);
      if (needsMimeCodecs(block)) await loadMimeCodecs();
      const { key, subject } = identify(bytes, block);
      if (this.state.isReviewed(key)) outcomes.push({ key, subject, outcome: 'duplicate' });
      else if (this.state.hold(key, bytes, now)) {
        fresh.add(key);
        // A maintainer's waiver trailer in a reply: kept for this patch and later versions.
        for (const note of await takeReplyAcks(bytes, key, this.state, this.options.pack, this.options.from.address, now)) outcomes.push({ key, subject, ...note });
      }
      else outcomes.push({ key, subject, outcome: 'duplicate (held)' });
      if (fresh.size >= CHUNK) {
        // A long mbox: review as it goes, so only incomplete series stay held in memory.
        outcomes.push(...(await this.review(now, false, fresh)));
        fresh = new Set();
      }
    }
    outcomes.push(...(await this.review(now, flushAll, fresh)));
    return outcomes;
  }

  /** Whether a message is in the state already: reviewed, or held for its series. */
  known(raw: Buffer): boolean {
    const { key } = identify(withoutFromLine(raw));
    return this.state.isReviewed(key) || this.state.isHeld(key);
  }

  /** Records a message as seen without reviewing it (a watch's backlog). */
  skip(raw: Buffer, reason: string, now: number): MessageOutcome {
    const { key, subject } = identify(withoutFromLine(raw));
    if (this.state.isReviewed(key) || this.state.isHeld(key)) return { key, subject, outcome: 'duplicate' };
    this.state.markReviewed(key, reason, [], now);
    return { key, subject, outcome: reason };
  }

  /** Reviews held series whose quiet period has passed (the watch loop's timer). */
  async flushQuiet(now: number): Promise<MessageOutcome[]> {
    return this.review(now, false, new Set());
  }

  private async review(now: number, flushAll: boolean, fresh: ReadonlySet<string>): Promise<MessageOutcome[]> {
    const held = this.state.held();
    if (held.length === 0) return [];
    const raws: RawMessage[] = held.map((h, index) => ({ index, bytes: h.raw }));
    const outcomes: MessageOutcome[] = [];
    const { pack, config } = this.options;
    const waivers = { ...(this.options.maintainers ? { maintainers: this.options.maintainers } : {}), threadAcks: threadAcksOf(this.state) };
    for await (const event of reviewMessages(fromArray(raws), { pack, config, source: 'mail', seriesWindow: Number.MAX_SAFE_INTEGER, waivers })) {
      if (event.kind === 'error') {
        const h = held[event.error.index ?? -1];
        if (!h) continue;
        // Unreadable: done with it. Otherwise (a diff that does not add up) the message is
        // still reviewed from what is there; the problem is only logged.
        if (event.unread) this.state.markReviewed(h.key, 'error', [], now);
        else if (!fresh.has(h.key)) continue; // said already when it arrived
        outcomes.push({ key: h.key, subject: identify(h.raw).subject, outcome: `${event.unread ? 'error' : 'warning'}: ${event.error.reason}` });
        continue;
      }
      const members = event.patches.map((report) => ({ report, held: held[report.index]! }));
      if (event.series === null) {
        for (const { report, held: h } of members) {
          // A patch or cover letter that no series took (a second cover in one thread).
          const outcome = report.kind === 'patch' || report.kind === 'cover' ? 'not in a series' : 'not a patch';
          this.state.markReviewed(h.key, outcome, [], now);
          outcomes.push({ key: h.key, subject: report.subject, outcome });
        }
        continue;
      }
      const newest = Math.max(...members.map((m) => m.held.receivedAt));
      if (!flushAll && !isComplete(event.patches) && now - newest < this.options.quietMs) {
        for (const { report, held: h } of members) if (fresh.has(h.key)) outcomes.push({ key: h.key, subject: report.subject, outcome: 'held' });
        continue;
      }
      const series = event.series;
      // A rule that threw is a recorded failure, never a crash (b4's pattern): logged here.
      for (const failure of event.failures) outcomes.push({ key: series.id, subject: `rule ${failure.rule}`, outcome: `error: the rule failed: ${failure.reason}` });
      // A waiver trailer naming no rule or giving no reason: said, never ignored.
      for (const problem of event.waiverProblems ?? []) {
        const h = held[problem.index ?? -1];
        outcomes.push({ key: h?.key ?? series.id, subject: h ? identify(h.raw).subject : '', outcome: `warning: ${problem.reason}` });
      }
      const patches = [...(series.cover ? [series.cover] : []), ...series.patches];
      outcomes.push(...this.state.atomically(() => this.answer(members, patches, series.version, now)));
    }
    return outcomes;
  }

  /** Decides and queues the replies of one reviewed series; marks its messages reviewed. */
  private answer(members: { report: PatchReport; held: { key: string } }[], patches: readonly Patch[], version: number, now: number): MessageOutcome[] {
    const { state, options } = this;
    const key = seriesKey(patches);
    const all = members.flatMap((m) => m.report.findings.map((f) => f.fingerprint));
    const previous = version > 1 ? state.previousVersion(key, version) : null;
    state.recordVersion(key, version, all);
    const outcomes: MessageOutcome[] = [];
    for (const { report, held } of members) {
      const patch = patches.find((p) => p.message.index === report.index);
      const fingerprints = report.findings.map((f) => f.fingerprint);
      state.recordFindings(held.key, report.findings);
      const findings = replyFindings(report.findings, options.minSeverity ?? 'info', previous);
      const waived = report.findings.length > 0 && report.findings.every((f) => f.waiver !== undefined);
      let outcome = report.findings.length === 0 ? 'clean' : waived ? 'waived' : findings.length === 0 ? 'nothing new to report' : 'replied';
      let replyId: string | undefined;
      // The same diff under another Message-ID (`[PATCH RESEND]`, a v2 that left this patch
      // alone, a second post) as one that was answered: reviewed, never answered twice.
      const id = patch?.kind === 'patch' ? patchId(diffText(patch.message)) : null;
      const same = id === null ? null : state.samePatchAs(id, held.key);
      if (!patch && findings.length > 0) outcome = 'error: the reviewed message is missing from its series';
      else if (patch && findings.length > 0) {
        const why = silenceReason(patch, options.from.address) ?? (same !== null ? `same patch as ${same}` : null) ?? this.limitReason(patch, now);
        if (why !== null) outcome = `silent: ${why}`;
        else {
          const reply = renderReply(patch, findings, {
            from: options.from,
            date: new Date(now),
            pack: options.pack,
            related: patches,
            ...(options.replyTo ? { replyTo: options.replyTo } : {}),
            ...(options.maintainers ? { maintainers: options.maintainers } : {}),
            ...(options.config.links ? { links: options.config.links } : {}),
          });
          const queued = state.enqueue(
            {
              messageId: reply.messageId,
              inReplyTo: reply.inReplyTo,
              thread: threadOf(patch),
              envelopeFrom: options.from.address,
              recipients: [...reply.to, ...reply.cc].map((a) => a.address),
              raw: formatEmail(reply),
            },
            now,
          );
          if (queued) replyId = reply.messageId;
          else outcome = 'silent: already answered';
          if (id !== null) state.recordPatchId(id, held.key, now);
        }
      }
      state.markReviewed(held.key, outcome, fingerprints, now);
      outcomes.push({ key: held.key, subject: report.subject, outcome, ...(replyId ? { reply: replyId } : {}) });
    }
    return outcomes;
  }

  private limitReason(patch: Patch, now: number): string | null {
    if (patch.message.messageId !== null && this.state.hasReplyTo(patch.message.messageId)) return 'already answered';
    const perThread = this.options.perThread ?? 10;
    if (this.state.repliesInThread(threadOf(patch), now - DAY) >= perThread) return `thread limit (${perThread} a day) reached`;
    return null;
  }
}

async function* fromArray<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}

/** Every n of n/N seen (a cover letter is welcome, not required); single patches are whole. */
function isComplete(reports: readonly PatchReport[]): boolean {
  const total = reports.find((r) => r.series.total !== null)?.series.total ?? null;
  if (total === null) return true;
  const seen = new Set(reports.map((r) => r.series.index));
  for (let i = 1; i <= total; i++) if (!seen.has(i)) return false;
  return true;
}

/**
 * A message file may still start with the mbox From_ line (`git format-patch` output saved
 * into a Maildir, procmail's mbox-style delivery); mail readers skip it, and so do we.
 */
export function withoutFromLine(bytes: Buffer): Buffer {
  if (bytes.subarray(0, 5).toString('latin1') !== 'From ') return bytes;
  const nl = bytes.indexOf(0x0a);
  return nl < 0 || !isFromLineIn(bytes, 0, nl) ? bytes : bytes.subarray(nl + 1);
}

/** A message's key in the state: its identity, as the report gives it (ingest/identity.ts). */
export function identify(bytes: Buffer, block = readHeaderBlock(bytes)): { key: string; subject: string } {
  const id = parseMessageIds(firstField(block, 'message-id'))[0] ?? null;
  const subject = decodeHeaderText(firstField(block, 'subject') ?? '');
  return { key: messageIdentity(id, bytes), subject };
}
