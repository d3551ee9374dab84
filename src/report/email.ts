import { createHash } from 'node:crypto';
import type { Address } from '../ingest/message.js';
import type { Patch } from '../ingest/patch.js';
import type { DiffLine, FileDiff, Hunk } from '../diff/model.js';
import type { Finding } from '../engine/finding.js';
import { version } from '../version.js';
import type { Maintainers } from '../engine/maintainers.js';
import { replyRecipients, type ReplyTo } from './recipients.js';

/**
 * The list reply to one patch (SPEC §4 "email", RFC 3834 for Auto-Submitted, RFC 5322 §3.6.4
 * for threading). Pure: the caller passes the bot's address and the date; the Message-ID is
 * derived from the patch and its findings, so the same reply always gets the same id.
 *
 * What it renders:
 *
 *     Subject: Re: [PATCH 1/2] x86/altp2m: add XEN_DOMCTL_altp2m_get_views
 *     In-Reply-To: <20261125.1@example.org>
 *     References: <cover@example.org> <20261125.1@example.org>
 *     Auto-Submitted: auto-generated
 *
 *     On Wed, 25 Nov 2026 10:00:00 +0000, Jane Dev <jane@example.org> wrote:
 *     > --- a/xen/include/public/domctl.h
 *     > +++ b/xen/include/public/domctl.h
 *     > @@ -1240,6 +1240,14 @@ struct xen_domctl_vuart_op {
 *     > [...]
 *     > +#define XEN_DOMCTL_altp2m_get_views 89
 *
 *     altp2m-domctl (error): ...
 */
export interface ReplyOptions {
  /** The bot's own address: the reply's From, and never a recipient. */
  readonly from: Address;
  /** When the reply is written (the caller reads the clock). */
  readonly date: Date;
  /** The other patches of the series, searched when a finding's file is not in `patch`. */
  readonly related?: readonly Patch[];
  /** Who the reply goes to (`recipients.ts`); default `maintainers`. */
  readonly replyTo?: ReplyTo;
  /** The MAINTAINERS file, read; without it `maintainers` means the author alone. */
  readonly maintainers?: Maintainers;
}

export interface EmailReply {
  readonly messageId: string;
  readonly inReplyTo: string;
  readonly subject: string;
  readonly to: readonly Address[];
  readonly cc: readonly Address[];
  /** Header fields in order, values unencoded (see `formatEmail`). */
  readonly headers: readonly (readonly [string, string])[];
  /** The text/plain body, LF line ends, every line under 80 columns. */
  readonly body: string;
}

/** Thrown when a reply cannot be threaded: a patch without a Message-ID. */
export class ReplyError extends Error {
  constructor(
    message: string,
    readonly subject: string,
  ) {
    super(message);
    this.name = 'ReplyError';
  }
}

const WIDTH = 72;
const MAX_COLUMNS = 79;
const MAX_QUOTED = 16;

export function renderReply(patch: Patch, findings: readonly Finding[], options: ReplyOptions): EmailReply {
  const { message } = patch;
  if (message.messageId === null) throw new ReplyError('the patch has no Message-ID to reply to', message.subject);
  const { to, cc } = replyRecipients(patch, findings, {
    replyTo: options.replyTo ?? 'maintainers',
    self: options.from.address,
    ...(options.maintainers ? { maintainers: options.maintainers } : {}),
  });
  const subject = /^\s*re\s*:/i.test(message.subject) ? message.subject : `Re: ${message.subject}`;
  const messageId = replyMessageId(message.messageId, findings, options.from.address);
  const references = [...message.references.filter((id) => id !== message.messageId), message.messageId];
  const body = renderBody(patch, findings, options);
  const headers: [string, string][] = [
    ['From', formatAddress(options.from)],
    ['To', to.map(formatAddress).join(', ')],
    ...(cc.length > 0 ? [['Cc', cc.map(formatAddress).join(', ')] as [string, string]] : []),
    ['Subject', subject],
    ['Date', rfc5322Date(options.date)],
    ['Message-ID', messageId],
    ['In-Reply-To', message.messageId],
    ['References', references.join(' ')],
    ['Auto-Submitted', 'auto-generated'],
    ['X-Mailer', `patchsentry ${version}`],
    ['MIME-Version', '1.0'],
    ['Content-Type', 'text/plain; charset=UTF-8'],
    ['Content-Transfer-Encoding', /^[\x20-\x7e\n]*$/.test(body) ? '7bit' : '8bit'],
  ];
  return { messageId, inReplyTo: message.messageId, subject, to, cc, headers, body };
}

/**
 * The reply's Message-ID: a hash of the patch's Message-ID and the findings' fingerprints,
 * on the bot's domain. Stable, so an outbox entry can be recognised across runs.
 */
export function replyMessageId(inReplyTo: string, findings: readonly Finding[], from: string): string {
  const hash = createHash('sha256').update(inReplyTo);
  for (const f of findings) hash.update('\0').update(f.fingerprint);
  const domain = from.includes('@') ? from.slice(from.lastIndexOf('@') + 1) : 'patchsentry.invalid';
  return `<patchsentry.${hash.digest('hex').slice(0, 24)}@${domain}>`;
}

function renderBody(patch: Patch, findings: readonly Finding[], options: ReplyOptions): string {
  const { message } = patch;
  const author = message.author ?? message.from;
  const who = author ? author.name || author.address : 'you';
  const when = message.date ? `On ${rfc5322Date(new Date(message.date))}, ` : '';
  const out: string[] = [...wrap(`${when}${who} wrote:`, MAX_COLUMNS)];
  const quotedHeaders = new Set<string>();
  for (const finding of findings) {
    out.push(...quoteFor(finding, patch, options.related ?? [], quotedHeaders), '');
    out.push(...findingText(finding), '');
  }
  out.push(
    '-- ',
    ...wrap(
      `patchsentry ${version}, an automated reviewer for the Xen altp2m interface policy. ` +
        'It replies once per patch and only when a rule fires; humans on Cc decide. ' +
        'Reply to this message to reach them.',
      WIDTH,
    ),
  );
  return out.join('\n') + '\n';
}

const LABEL = { error: 'error', warning: 'warning', info: 'note' } as const;

function findingText(f: Finding): string[] {
  return [
    ...wrap(`${f.rule} (${LABEL[f.severity]}): ${f.message}`, WIDTH),
    ...wrap(`Policy: ${f.policy}.`, WIDTH),
    'To waive it, once agreed on the list, add to the commit message:',
    `  Altp2m-Policy-Ack: ${f.rule} <reason>`,
  ];
}

/** The lines of the diff a finding points at, quoted with `> ` and `> [...]` for gaps. */
function quoteFor(finding: Finding, patch: Patch, related: readonly Patch[], quotedHeaders: Set<string>): string[] {
  const located = locate(finding, [patch, ...related.filter((p) => p !== patch)]);
  if (located === null) {
    // Nothing in the diff to point at: quote the evidence as the rule gave it.
    const marker = finding.side === 'old' ? '-' : '+';
    return finding.evidence.slice(0, MAX_QUOTED).map((e) => quoteLine(`${marker}${e}`));
  }
  const { file, hunks } = located;
  const out: string[] = [];
  const headerKey = `${file.oldPath ?? ''}\0${file.newPath ?? ''}`;
  if (!quotedHeaders.has(headerKey)) {
    quotedHeaders.add(headerKey);
    out.push(quoteLine(`--- ${file.oldPath === null ? '/dev/null' : `a/${file.oldPath}`}`));
    out.push(quoteLine(`+++ ${file.newPath === null ? '/dev/null' : `b/${file.newPath}`}`));
  }
  let budget = MAX_QUOTED;
  for (const { hunk, picked } of hunks) {
    out.push(quoteLine(`@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@${hunk.context ? ` ${hunk.context}` : ''}`));
    let previous = -1;
    for (const index of picked) {
      if (budget === 0) break;
      if (index !== previous + 1) out.push('> [...]');
      const line = hunk.lines[index]!;
      out.push(quoteLine(`${MARKER[line.kind]}${line.text}`));
      previous = index;
      budget--;
    }
    if (previous < hunk.lines.length - 1) out.push('> [...]');
    if (budget === 0) break;
  }
  return out;
}

const MARKER = { add: '+', del: '-', context: ' ' } as const;

interface Located {
  readonly file: FileDiff;
  readonly hunks: readonly { readonly hunk: Hunk; readonly picked: readonly number[] }[];
}

/** Finds the finding's lines: by line range on its side, else by its evidence text. */
function locate(finding: Finding, patches: readonly Patch[]): Located | null {
  for (const patch of patches) {
    for (const file of patch.diff.files) {
      if (file.path !== finding.path && file.newPath !== finding.path && file.oldPath !== finding.path) continue;
      const wanted = new Set(finding.evidence.map(normalize).filter((e) => e.length > 0));
      const isEvidence = (line: DiffLine): boolean => line.kind !== 'context' && onSide(line, finding) && wanted.has(normalize(line.text));
      const byLine = pick(file, (line) => onSide(line, finding) && inRange(line, finding));
      if (byLine.length > 0) {
        // The range, plus the rest of the evidence in the same hunks (a handler's body lines).
        const hunks = byLine.map(({ hunk, picked }) => {
          const extra = hunk.lines.flatMap((line, index) => (isEvidence(line) ? [index] : []));
          return { hunk, picked: fillGaps([...new Set([...picked, ...extra])].sort((a, b) => a - b)) };
        });
        return { file, hunks };
      }
      const byText = pick(file, isEvidence);
      if (byText.length > 0) return { file, hunks: byText };
    }
  }
  return null;
}

/** Gaps of one or two lines are quoted rather than cut: `> [...]` would be longer. */
function fillGaps(sorted: readonly number[]): number[] {
  const out: number[] = [];
  for (const index of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && index - last > 1 && index - last <= 3) for (let i = last + 1; i < index; i++) out.push(i);
    out.push(index);
  }
  return out;
}

function pick(file: FileDiff, test: (line: DiffLine) => boolean): { hunk: Hunk; picked: number[] }[] {
  const out: { hunk: Hunk; picked: number[] }[] = [];
  for (const hunk of file.hunks) {
    const picked: number[] = [];
    hunk.lines.forEach((line, index) => {
      if (test(line)) picked.push(index);
    });
    if (picked.length > 0) out.push({ hunk, picked });
  }
  return out;
}

function onSide(line: DiffLine, finding: Finding): boolean {
  return finding.side === 'old' ? line.kind !== 'add' : line.kind !== 'del';
}

function inRange(line: DiffLine, finding: Finding): boolean {
  if (finding.line <= 0) return false;
  const n = finding.side === 'old' ? line.oldLine : line.newLine;
  return n !== undefined && n >= finding.line && n <= (finding.endLine ?? finding.line);
}

function normalize(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** `> ` + the line, cut to fit under 80 columns (tabs count to the next multiple of 8). */
export function quoteLine(text: string): string {
  const line = `> ${text}`.replace(/\s+$/, '');
  if (columns(line) <= MAX_COLUMNS) return line;
  let cut = '';
  for (const ch of line) {
    if (columns(cut + ch) > MAX_COLUMNS - 4) break;
    cut += ch;
  }
  return `${cut} ...`;
}

export function columns(line: string): number {
  let width = 0;
  for (const ch of line) width = ch === '\t' ? width + 8 - (width % 8) : width + 1;
  return width;
}

/** Word wrap at `width`; a single word longer than the width is broken at MAX_COLUMNS. */
export function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    let rest = word;
    while (rest.length > MAX_COLUMNS) {
      if (line) out.push(line);
      out.push(rest.slice(0, MAX_COLUMNS));
      rest = rest.slice(MAX_COLUMNS);
      line = '';
    }
    if (!line) line = rest;
    else if (line.length + 1 + rest.length <= width) line += ` ${rest}`;
    else {
      out.push(line);
      line = rest;
    }
  }
  if (line) out.push(line);
  return out;
}

export function formatAddress(a: Address): string {
  if (!a.name) return a.address;
  return /^[\w !#$%&'*+/=?^`{|}~.-]*$/.test(a.name) && !/^\s|\s$/.test(a.name) ? `${a.name} <${a.address}>` : `"${a.name.replace(/(["\\])/g, '\\$1')}" <${a.address}>`;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 5322 §3.3 date in UTC: `Wed, 25 Nov 2026 10:00:00 +0000`. */
export function rfc5322Date(date: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return (
    `${DAYS[date.getUTCDay()]}, ${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()} ` +
    `${p(date.getUTCHours())}:${p(date.getUTCMinutes())}:${p(date.getUTCSeconds())} +0000`
  );
}

/**
 * The whole message as RFC 5322 text with LF line ends: header values that are not ASCII
 * become RFC 2047 encoded words, long header lines are folded at spaces.
 */
export function formatEmail(reply: EmailReply): string {
  const lines: string[] = [];
  for (const [name, value] of reply.headers) lines.push(fold(`${name}: ${encodeHeader(name, value)}`));
  return `${lines.join('\n')}\n\n${reply.body}`;
}

const ADDRESS_FIELDS = new Set(['from', 'to', 'cc']);

function encodeHeader(name: string, value: string): string {
  if (/^[\x20-\x7e]*$/.test(value)) return value;
  if (!ADDRESS_FIELDS.has(name.toLowerCase())) return encodeWords(value);
  // Only display names are encoded; the addresses stay readable.
  return value.replace(/(?:"((?:[^"\\]|\\.)*)"|([^,<>"]+?))\s*<([^<>]+)>/g, (whole, quoted: string | undefined, bare: string | undefined, address: string) => {
    const display = (quoted ?? bare ?? '').replace(/\\(.)/g, '$1').trim();
    return /^[\x20-\x7e]*$/.test(display) ? whole : `${encodeWords(display)} <${address}>`;
  });
}

/** RFC 2047 B-encoded words of at most 75 characters, split on character boundaries. */
function encodeWords(text: string): string {
  const words: string[] = [];
  let chunk = '';
  for (const ch of text) {
    if (Buffer.byteLength(chunk + ch) > 45) {
      words.push(chunk);
      chunk = '';
    }
    chunk += ch;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w).toString('base64')}?=`).join(' ');
}

function fold(line: string): string {
  if (line.length <= 78) return line;
  const out: string[] = [];
  let current = '';
  for (const token of line.split(' ')) {
    if (current && current.length + 1 + token.length > 78) {
      out.push(current);
      current = ` ${token}`;
    } else current = current ? `${current} ${token}` : token;
  }
  out.push(current);
  return out.join('\n');
}
