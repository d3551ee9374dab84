import type { ParsedMail } from 'mailparser';
import addressparser from 'nodemailer/lib/addressparser/index.js';
import type { RawMessage } from './mbox.js';
import { decodeHeaderText, firstField, isUtf8Charset, loadMimeCodecs, needsMimeCodecs, parseContentType, parseMessageIds, readHeaderBlock, type HeaderBlock } from './headers.js';
import { InputError } from '../errors.js';
import { messageIdentity } from './identity.js';

export interface Address {
  readonly name: string;
  readonly address: string;
}

/**
 * One mail message, decoded, with its patch text (if any) separated from its prose. Plain
 * readonly data (it crosses to and from worker threads by structured clone), built by
 * `buildMessage` alone, whether the body was read from the raw bytes or by mailparser.
 */
export interface Message {
  readonly index: number;
  /** Its identity: the Message-ID, or a hash of the message when it has none (ingest/identity.ts). */
  readonly id: string;
  readonly messageId: string | null;
  readonly subject: string;
  readonly from: Address | null;
  /** The patch author: `X-Original-From` when `From:` is a relay's no-reply address. */
  readonly author: Address | null;
  readonly to: readonly Address[];
  readonly cc: readonly Address[];
  readonly date: string | null;
  readonly inReplyTo: string | null;
  readonly references: readonly string[];
  /** RFC 3834 `Auto-Submitted` value, lower-cased; null when absent. */
  readonly autoSubmitted: string | null;
  readonly listId: string | null;
  /** Body text before the patch: the commit message and its trailers. */
  readonly prose: string;
  /**
   * The diff found inline and in patch attachments ('' for a message with no patch): its text,
   * or, as the raw-bytes path (ingest/bytepath.ts) leaves it, its UTF-8 bytes, which most
   * messages of an archive never need decoded. `diffText` reads either.
   */
  readonly diff: string | Uint8Array;
  /** Signs that the message was cut off (a truncated mbox); absent when none. */
  readonly problems?: readonly string[];
}

/** A message's diff as text. */
export function diffText(message: Pick<Message, 'diff'>): string {
  const { diff } = message;
  return typeof diff === 'string' ? diff : Buffer.from(diff.buffer, diff.byteOffset, diff.byteLength).toString('utf8');
}

/** What a message's body holds, however it was read. */
export interface MessageBody {
  readonly prose: string;
  readonly diff: string | Uint8Array;
}

/** Reads one message; throws `InputError` naming the message when it cannot be read. */
export async function parseMessage(raw: RawMessage, block: HeaderBlock = readHeaderBlock(raw.bytes)): Promise<Message> {
  if (needsMimeCodecs(block)) await loadMimeCodecs();
  const body = await readBody(raw, block);
  return buildMessage(raw, block, body, block.fields.size === 0 ? [] : truncationSigns(raw.bytes, block));
}

async function readBody(raw: RawMessage, block: HeaderBlock): Promise<MessageBody> {
  if (block.fields.size === 0) {
    // No mail headers: a plain diff (`git diff`, `diff -u`) or bare format-patch body.
    const body = splitProseAndDiff(raw.bytes.toString('utf8'));
    if (body.diff === '') throw new InputError('neither a mail message nor a diff (no header fields, no diff lines)', { index: raw.index, messageId: null });
    return body;
  }
  const plain = fastPathBody(raw.bytes, block);
  if (plain !== null) return splitProseAndDiff(plain);
  let parsed: ParsedMail;
  try {
    // Loaded on first use: nearly all format-patch mail takes the fast path, and mailparser
    // costs ~200 ms and ~25 MB to load (most of a one-message run, docs/performance.md).
    const { simpleParser } = await import('mailparser');
    await loadMimeCodecs(); // attachment Content-Types below
    parsed = await simpleParser(raw.bytes, {
      skipHtmlToText: true,
      skipTextToHtml: true,
      skipTextLinks: true,
      skipImageLinks: true,
    });
  } catch (error) {
    throw new InputError(`cannot parse MIME structure: ${(error as Error).message}`, { index: raw.index, messageId: firstField(block, 'message-id') ?? null });
  }
  const body = splitProseAndDiff(parsed.text ?? '');
  const diffs = body.diff.length > 0 ? [body.diff] : [];
  for (const attachment of parsed.attachments) {
    // A part cut off in its header has no Content-Type at all (mailparser leaves it undefined).
    const contentType = typeof attachment.contentType === 'string' ? attachment.contentType : 'application/octet-stream';
    if (!isPatchAttachment(contentType, attachment.filename)) continue;
    const diff = splitProseAndDiff(decodeText(attachment.content, parseContentType(contentType).params['charset'])).diff;
    if (diff.length > 0) diffs.push(diff);
  }
  return { prose: body.prose, diff: diffs.join('\n') };
}

/**
 * The one place a `Message` is built: its header read from the header block (addresses
 * through one RFC 5322 parser, nodemailer's addressparser), its body as either reader found it.
 */
export function buildMessage(raw: RawMessage, block: HeaderBlock, body: MessageBody, problems: readonly string[] = []): Message {
  const from = addressesOf(firstField(block, 'from'))[0] ?? null;
  const originalFrom = firstField(block, 'x-original-from');
  const messageId = parseMessageIds(firstField(block, 'message-id'))[0] ?? null;
  const message: Message = {
    index: raw.index,
    id: messageIdentity(messageId, raw.bytes),
    messageId,
    subject: decodeHeaderText(firstField(block, 'subject') ?? ''),
    from,
    author: originalFrom !== undefined && from !== null && isRelayAddress(from) ? (addressesOf(originalFrom)[0] ?? from) : from,
    to: addressesOf(block.fields.get('to')?.join(', ')),
    cc: addressesOf(block.fields.get('cc')?.join(', ')),
    date: dateOf(firstField(block, 'date')),
    inReplyTo: parseMessageIds(firstField(block, 'in-reply-to'))[0] ?? null,
    references: parseMessageIds(block.fields.get('references')?.join(' ')),
    autoSubmitted: firstField(block, 'auto-submitted')?.toLowerCase().split(';')[0]?.trim() ?? null,
    listId: firstField(block, 'list-id') ?? null,
    prose: body.prose,
    diff: body.diff,
  };
  return problems.length > 0 ? { ...message, problems } : message;
}

/** `Date:` as an ISO 8601 UTC time; null when absent or unreadable. */
function dateOf(value: string | undefined): string | null {
  const date = value ? new Date(value) : null;
  return date && !Number.isNaN(date.getTime()) ? date.toISOString() : null;
}

/** The addresses of a header field's raw value, group members included, their names decoded (RFC 2047). */
function addressesOf(value: string | undefined): Address[] {
  return value === undefined ? [] : parseAddressList(value, decodeHeaderText);
}

/**
 * An RFC 5322 address list (`Name <a@b>, "Other, Name" <c@d>, e@f`, groups such as
 * `team: Alice <a@x.org>, b@x.org;` flattened to their members), read by nodemailer's
 * addressparser; `decodeName` decodes each display name (header fields hold RFC 2047 words).
 */
export function parseAddressList(value: string, decodeName: (name: string) => string = (name) => name): Address[] {
  const out: Address[] = [];
  for (const entry of addressparser(value, { flatten: true })) {
    if (!entry.address) continue;
    const address = value.includes('(') ? asWritten(value, entry.address) : entry.address;
    const name = entry.name === '' && namedAsItself(value, address) ? address : decodeName(entry.name);
    out.push({ name, address });
  }
  return out;
}

/*
 * Two readings of addressparser's that differ from git's, which wrote the mail of a
 * `git format-patch` archive and whose `git log` a report should agree with: it drops a display
 * name that is the address itself (`"a@x.org" <a@x.org>`, as early Xen commits have it), and
 * reads a parenthesised part of an address as a comment (`<djm@host.(none)>`, git's default
 * e-mail on a host without a domain name, becomes `djm@host.`). Both are undone here.
 */

/** The address as written between angle brackets, parenthesised parts and all. */
function asWritten(value: string, address: string): string {
  for (const [, written] of value.matchAll(/<([^<>]*)>/g)) {
    const literal = written!.trim();
    if (literal !== address && literal.replace(/\([^()]*\)/g, '').replace(/\s+/g, '') === address) return literal;
  }
  return address;
}

/** Whether `value` holds `address` as the display name of itself: `"a@x.org" <a@x.org>`. */
function namedAsItself(value: string, address: string): boolean {
  if (value.indexOf(address) === value.lastIndexOf(address)) return false;
  const literal = address.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?:^|[,:;])\\s*"?${literal}"?\\s*<\\s*${literal}\\s*>`).test(value);
}

/**
 * What a cut-off message looks like: no blank line after the header (cut mid-header), a
 * multipart body without its closing delimiter (RFC 2046 §5.1.1), a base64 body whose length
 * is no multiple of 4 (cut mid-base64).
 */
function truncationSigns(bytes: Buffer, block: HeaderBlock): string[] {
  const out: string[] = [];
  if (block.bodyOffset >= bytes.length && bytes.indexOf('\n\n') < 0 && bytes.indexOf('\r\n\r\n') < 0) {
    out.push('message ends inside its header (no blank line before a body): truncated?');
    return out;
  }
  const type = parseContentType(firstField(block, 'content-type'));
  const boundary = type.params['boundary'];
  if (type.type.startsWith('multipart/') && boundary !== undefined && bytes.indexOf(`--${boundary}--`, block.bodyOffset, 'latin1') < 0) {
    out.push(`multipart body ends without its closing boundary "--${boundary}--": truncated?`);
  }
  const encoding = firstField(block, 'content-transfer-encoding')?.toLowerCase().trim();
  if (encoding === 'base64' && !type.type.startsWith('multipart/')) {
    const body = bytes.toString('latin1', block.bodyOffset).replace(/[\s]/g, '');
    if (body.length % 4 !== 0 || /[^A-Za-z0-9+/=]/.test(body)) out.push('base64 body is cut off or damaged: truncated?');
  }
  return out;
}

/**
 * The body of a plain single-part message without a MIME parser, or null when the message
 * needs one (multipart, base64, quoted-printable, a charset TextDecoder does not know).
 */
function fastPathBody(bytes: Buffer, block: HeaderBlock): string | null {
  const charset = plainBodyCharset(block);
  if (charset === null) return null;
  const body = bytes.subarray(block.bodyOffset);
  if (isUtf8Charset(charset)) return body.toString('utf8');
  try {
    return new TextDecoder(charset).decode(body);
  } catch {
    return null;
  }
}

/**
 * The charset (lower-cased) of a plain single-part body whose bytes are its text, or null
 * when the message needs a MIME parser (multipart, base64, quoted-printable, format=flowed).
 */
export function plainBodyCharset(block: HeaderBlock): string | null {
  const encoding = (firstField(block, 'content-transfer-encoding') ?? '7bit').toLowerCase().trim();
  if (encoding !== '7bit' && encoding !== '8bit' && encoding !== 'binary') return null;
  const type = parseContentType(firstField(block, 'content-type'));
  if (type.type !== 'text/plain' && type.type !== 'text/x-patch' && type.type !== 'text/x-diff') return null;
  // RFC 3676 format=flowed (Thunderbird's default) space-stuffs lines that start with a space,
  // so every context line: mailparser undoes it, as git mailinfo does.
  if (type.params['format']?.toLowerCase() === 'flowed') return null;
  return (type.params['charset'] ?? 'utf-8').toLowerCase();
}

function decodeText(content: Buffer, charset: string | undefined): string {
  if (!charset || isUtf8Charset(charset)) return content.toString('utf8');
  try {
    return new TextDecoder(charset).decode(content);
  } catch {
    return content.toString('latin1');
  }
}

const PATCH_TYPES = new Set(['text/x-patch', 'text/x-diff', 'text/x-csrc', 'application/x-patch', 'application/x-diff', 'text/plain']);

export function isPatchAttachment(contentType: string, filename: string | undefined): boolean {
  const type = contentType.toLowerCase().split(';')[0]?.trim() ?? '';
  const namedPatch = filename !== undefined && /\.(?:patch|diff)$/i.test(filename);
  if (type === 'text/x-patch' || type === 'text/x-diff' || type === 'application/x-patch' || type === 'application/x-diff') return true;
  if (type === 'application/octet-stream') return namedPatch;
  return PATCH_TYPES.has(type) && (namedPatch || filename === undefined);
}

export interface ProseAndDiff {
  readonly prose: string;
  readonly diff: string;
}

const DIFFSTAT_BREAK = /---[ \t]*\r?\n(?: .*\r?\n)*? \d+ files? changed/y;

/** The offset of the next line, after `from`, that starts with `---`; -1 when none. */
function nextDashLine(text: string, from: number): number {
  const at = text.indexOf('\n---', from);
  return at < 0 ? -1 : at + 1;
}

/**
 * Where git format-patch's `---`, diffstat and ` N files changed` line start in a body, and
 * where that summary line's match ends; null when the shape is absent. When present it is the
 * break, even when the commit message itself quotes a quilt or diff -u patch above it (real
 * Xen commits of 2006 do). The last such shape wins (`firstOnly`: the first, for a caller that
 * makes sure no later `---` line follows, as countDiffBytes refuses a diff with one).
 * Candidates are found with indexOf, each tried with a sticky regex: a multiline /^---/
 * search over the whole diff costs more than all the rest here.
 */
export function diffstatBreak(text: string, firstOnly = false): { readonly start: number; readonly end: number } | null {
  let found: { start: number; end: number } | null = null;
  for (let at = text.startsWith('---') ? 0 : nextDashLine(text, 0); at >= 0; at = nextDashLine(text, at + 3)) {
    DIFFSTAT_BREAK.lastIndex = at;
    if (DIFFSTAT_BREAK.test(text)) {
      found = { start: at, end: DIFFSTAT_BREAK.lastIndex };
      if (firstOnly) break;
    }
  }
  return found;
}

/**
 * Cuts a body where `git mailinfo` does: at the first line that is `---` alone, or that
 * starts with `diff -` or `Index: `. The commit message (with its trailers) is before it;
 * the diffstat, the diff and the `-- ` signature after it. Quoted diffs in the commit message
 * are thereby never counted.
 */
export function splitProseAndDiff(text: string): ProseAndDiff {
  const formatPatch = diffstatBreak(text);
  if (formatPatch !== null) return { prose: text.slice(0, formatPatch.start), diff: text.slice(formatPatch.start) };
  const breakAt = /^(?:---[ \t]*\r?$|diff -|Index: )/m.exec(text);
  if (breakAt === null) {
    // No separator: a bare `--- a/x` / `+++ b/x` unified diff may still be inside.
    const plain = /^--- \S.*\r?\n\+\+\+ \S/m.exec(text);
    if (plain === null) return { prose: text, diff: '' };
    return { prose: text.slice(0, plain.index), diff: text.slice(plain.index) };
  }
  const rest = text.slice(breakAt.index);
  if (!/^(?:diff -|--- \S|@@ -|Index: )/m.test(rest)) return { prose: text, diff: '' };
  return { prose: text.slice(0, breakAt.index), diff: rest };
}

/** Relays (list servers rewriting DMARC-protected senders, forges) that hide the author. */
export function isRelayAddress(address: Address): boolean {
  return /(?:^|[._+-])(?:no-?reply|do-?not-?reply|bounces?)(?:[._+-]|@)/i.test(address.address) || / via /i.test(address.name);
}
