import { createHash } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { decodeHeaderText, firstField, loadMimeCodecs, needsMimeCodecs, readHeaderBlock } from '../../src/ingest/headers.js';
import { buildMessage, type Address } from '../../src/ingest/message.js';
import type { MessageOutcome } from './bot.js';
import { identify, withoutFromLine } from './bot.js';
import type { MailState } from './state.js';

/** Where a person's mail to the bot goes: `--owner ADDRESS` and/or `--owner-maildir DIR`. */
export interface OwnerTarget {
  readonly address?: string;
  readonly maildir?: string;
}

/**
 * Mail written to the bot by a person — a reply to one of its replies (its signature invites
 * one), or anything addressed To/Cc its own address — is passed on to the people who run it,
 * never dropped without a trace:
 * - `--owner ADDRESS`: redirected unchanged with `Resent-*` fields (RFC 5322 §3.6.6), through
 *   the outbox like a reply (so an SMTP outage delays it, never loses it);
 * - `--owner-maildir DIR`: delivered into that Maildir (tmp/ then new/);
 * - neither: the log line is the trace.
 * A message is passed on once (the outbox's unique key, or a mark in the state), however often
 * the MTA delivers it. A dry run passes nothing on: the redirect goes to the dry run's mbox
 * with the replies and the Maildir is not written. The message still goes on to the review
 * afterwards (a maintainer's reply may matter there).
 */
export class OwnerRelay {
  constructor(
    private readonly state: MailState,
    private readonly self: Address,
    private readonly target: OwnerTarget,
    private readonly dryRun: boolean,
  ) {}

  /** The outcome when `raw` is a person's mail to the bot (and what was done), else null. */
  async consider(raw: Buffer, now: number): Promise<MessageOutcome | null> {
    const bytes = withoutFromLine(raw);
    const block = readHeaderBlock(bytes);
    if (needsMimeCodecs(block)) await loadMimeCodecs();
    // Its header is all that is read here.
    const thread = buildMessage({ index: 0, bytes }, block, { prose: '', diff: '' });
    const me = this.self.address.toLowerCase();
    const from = thread.from?.address.toLowerCase();
    if (from === me) return null; // its own mail, come back through a list
    const answersBot = [thread.inReplyTo, ...thread.references].some((id) => id !== null && this.state.isOwnMessage(id));
    const addressed = [...thread.to, ...thread.cc].some((a) => a.address.toLowerCase() === me);
    if (!answersBot && !addressed) return null;
    const { key, subject } = identify(bytes, block);
    const why = answersBot ? 'a reply to the bot' : 'mail to the bot';
    if (thread.autoSubmitted !== null && thread.autoSubmitted !== 'no') return { key, subject, outcome: `${why}, automatic (Auto-Submitted: ${thread.autoSubmitted}): not passed on` };
    const done: string[] = [];
    if (this.target.address !== undefined) done.push(this.redirect(bytes, key, this.target.address, now));
    if (this.target.maildir !== undefined) done.push(await this.store(bytes, key, this.target.maildir, now));
    if (done.length === 0) done.push('no --owner or --owner-maildir to pass it on to: this log line is all that is kept');
    return { key, subject, outcome: `${why} from ${decodeHeaderText(firstField(block, 'from') ?? '?')}: ${done.join('; ')}` };
  }

  private redirect(bytes: Buffer, key: string, owner: string, now: number): string {
    const domain = this.self.address.split('@')[1] ?? hostname();
    const id = `<patchsentry.fwd.${createHash('sha256').update(key).digest('hex').slice(0, 20)}@${domain}>`;
    const resent = [`Resent-From: ${this.self.address}`, `Resent-To: ${owner}`, `Resent-Date: ${new Date(now).toUTCString().replace('GMT', '+0000')}`, `Resent-Message-ID: ${id}`].join('\n');
    const queued = this.state.enqueue(
      {
        messageId: id,
        // Not a Message-ID: the outbox's unique key makes it one redirect per message.
        inReplyTo: `forward:${key}`,
        thread: `forward:${key}`,
        envelopeFrom: this.self.address,
        recipients: [owner],
        raw: `${resent}\n${bytes.toString('utf8')}`,
      },
      now,
    );
    if (!queued) return `already passed on to ${owner}`;
    return this.dryRun ? `would send it on to ${owner}` : `sent on to ${owner} (queued as ${id})`;
  }

  private async store(bytes: Buffer, key: string, dir: string, now: number): Promise<string> {
    const mark = `owner-maildir:${key}`;
    if (this.state.getMeta(mark) !== null) return `already stored in ${dir}`;
    if (this.dryRun) return `would store it in ${dir}`;
    // The Maildir way: written whole under tmp/, then renamed into new/ (atomic).
    for (const sub of ['tmp', 'new', 'cur']) await mkdir(join(dir, sub), { recursive: true, mode: 0o700 });
    const name = `${Math.floor(now / 1000)}.P${process.pid}R${createHash('sha256').update(key).digest('hex').slice(0, 12)}.${hostname().replace(/[/:]/g, '_')}`;
    await writeFile(join(dir, 'tmp', name), bytes, { mode: 0o600 });
    await rename(join(dir, 'tmp', name), join(dir, 'new', name));
    this.state.setMeta(mark, new Date(now).toISOString());
    return `stored in ${dir}/new/${name}`;
  }
}

