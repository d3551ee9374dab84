import { isUtf8 } from 'node:buffer';
import type libmimeModule from 'libmime';
import { isFromLine } from './mbox.js';

/**
 * A minimal RFC 5322 header reader for the fast path: plain single-part messages (nearly all
 * `git format-patch` mail) need nothing more, and it is many times faster than a full MIME
 * parse.
 */
export interface HeaderBlock {
  /** Lower-cased name → unfolded raw values, in order. */
  readonly fields: ReadonlyMap<string, readonly string[]>;
  /** Byte offset where the body starts (after the blank line), or the length when none. */
  readonly bodyOffset: number;
}

export function readHeaderBlock(bytes: Buffer): HeaderBlock {
  let end = -1;
  let bodyOffset = bytes.length;
  const lf = bytes.indexOf('\n\n');
  // Only a CRLF blank line before the first LF one can end the header: looking past it would
  // scan every byte of every LF message a second time.
  const crlf = (lf >= 0 ? bytes.subarray(0, lf + 1) : bytes).indexOf('\r\n\r\n');
  if (lf >= 0 && (crlf < 0 || lf < crlf)) {
    end = lf;
    bodyOffset = lf + 2;
  } else if (crlf >= 0) {
    end = crlf;
    bodyOffset = crlf + 4;
  }
  if (bytes.length > 0 && (bytes[0] === 0x0a || (bytes[0] === 0x0d && bytes[1] === 0x0a))) {
    // No header at all: the body starts right away.
    return { fields: new Map(), bodyOffset: bytes[0] === 0x0a ? 1 : 2 };
  }
  if (!startsWithHeaderField(bytes)) {
    // Not mail: a plain diff (`--- a/x`, `diff --git`, quilt's `Index: x`) or `git show`
    // output. Its lines may hold colons, but the first one is no RFC 5322 field.
    return { fields: new Map(), bodyOffset: 0 };
  }
  const text = headerText(bytes.subarray(0, end < 0 ? bytes.length : end));
  const fields = new Map<string, string[]>();
  let name: string | null = null;
  let value = '';
  const commit = (): void => {
    if (name === null) return;
    const list = fields.get(name);
    if (list) list.push(value.trim());
    else fields.set(name, [value.trim()]);
  };
  for (const rawLine of text.split('\n')) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line.startsWith(' ') || line.startsWith('\t')) {
      value += ' ' + line.trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue; // not a header line; ignored as mail readers do
    commit();
    name = line.slice(0, colon).trim().toLowerCase();
    value = line.slice(colon + 1);
  }
  commit();
  return { fields, bodyOffset };
}

/**
 * Whether `bytes` start (after an mbox From_ line, if any) with an RFC 5322 field line: a
 * name of printable ASCII but the colon (0x21-0x7e, not 0x3a), then `:`, within the first
 * 1000 bytes, and not quilt's `Index: path`. Read from the bytes (it was /^[!-9;-~]+:/ and
 * !/^Index: \S/ over them decoded as Latin-1): this runs for every message of an archive.
 */
export function startsWithHeaderField(bytes: Buffer): boolean {
  const limit = Math.min(bytes.length, 1000);
  let start = 0;
  if (bytes[0] === 0x46 /* F */) {
    // A message an MDA delivered with its mbox From_ line still on top (procmail, .forward).
    const newline = bytes.indexOf(0x0a);
    const firstLine = bytes.toString('latin1', 0, newline < 0 || newline > limit ? limit : newline).replace(/\r$/, '');
    if (isFromLine(firstLine)) {
      start = firstLine.length + 1;
      if (bytes[start] === 0x0a) start++;
    }
  }
  let colon = start;
  for (; colon < limit && bytes[colon] !== 0x3a; colon++) {
    const c = bytes[colon]!;
    if (c < 0x21 || c > 0x7e) return false;
  }
  if (colon === start || colon >= limit) return false;
  // Quilt's `Index: path` is a diff, not a field.
  const quilt = colon - start === 5 && bytes.toString('latin1', start, colon) === 'Index' && bytes[colon + 1] === 0x20 && colon + 2 < limit && !LATIN1_SPACE.has(bytes[colon + 2]!);
  return !quilt;
}

/** The bytes whose Latin-1 character JavaScript's \s matches. */
const LATIN1_SPACE = new Set([0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0xa0]);

/**
 * Header bytes as text: UTF-8 (RFC 6532), or, when they are not valid UTF-8, raw 8-bit text
 * in the charset the message declares for its body (as mail clients read it), else Latin-1.
 */
function headerText(raw: Buffer): string {
  const text = raw.toString('utf8');
  if (!text.includes('\uFFFD') || isUtf8(raw)) return text;
  const charset = /^content-type:[^\n]*?charset="?([\w.:-]+)/im.exec(raw.toString('latin1'))?.[1];
  if (charset !== undefined) {
    try {
      return new TextDecoder(charset).decode(raw);
    } catch {
      // an unknown charset name: fall through
    }
  }
  return raw.toString('latin1');
}

/**
 * libmime is loaded on first need: it costs ~80 ms and ~15 MB to load, most of a
 * one-message run, and plain `git format-patch` mail never needs it. A dynamic
 * import (not createRequire) keeps it inside the Action's bundle.
 */
let libmimeModuleCache: typeof libmimeModule | undefined;

export async function loadMimeCodecs(): Promise<void> {
  libmimeModuleCache ??= (await import('libmime')).default;
}

/** Whether reading these header values takes libmime: encoded words or a complex Content-Type. */
export function needsMimeCodecs(block: HeaderBlock): boolean {
  if (libmimeModuleCache !== undefined) return false;
  for (const values of block.fields.values()) {
    for (const value of values) if (value.includes('=?')) return true;
  }
  const contentType = firstField(block, 'content-type');
  return contentType !== undefined && !SIMPLE_CONTENT_TYPE.test(contentType);
}

function libmime(): typeof libmimeModule {
  // A caller that skipped loadMimeCodecs() is a bug in patchsentry, not bad input.
  if (libmimeModuleCache === undefined) throw new Error('internal error: MIME header decoding before loadMimeCodecs()');
  return libmimeModuleCache;
}

/** Whether text in this charset is read as UTF-8 (US-ASCII is a subset of it). */
export function isUtf8Charset(charset: string): boolean {
  return /^(?:utf-?8|us-ascii)$/i.test(charset);
}

export function firstField(block: HeaderBlock, name: string): string | undefined {
  return block.fields.get(name)?.[0];
}

/** RFC 2047 encoded words (`=?UTF-8?q?...?=`) decoded; undecodable text is kept as it is. */
export function decodeHeaderText(value: string): string {
  if (!value.includes('=?')) return value;
  const codecs = libmime();
  try {
    return codecs.decodeWords(value);
  } catch {
    return value;
  }
}

/** `<a@b> <c@d>` → `['<a@b>', '<c@d>']` (Message-ID lists of References / In-Reply-To). */
export function parseMessageIds(value: string | undefined): string[] {
  if (!value) return [];
  return value.match(/<[^<>\s]+>/g) ?? [];
}

export interface ContentType {
  readonly type: string;
  readonly params: Readonly<Record<string, string>>;
}

const SIMPLE_CONTENT_TYPE = /^\s*([A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+)\s*(?:;\s*([A-Za-z-]+)=([A-Za-z0-9_.:+-]+)\s*;?\s*)?$/;

export function parseContentType(value: string | undefined): ContentType {
  if (!value) return { type: 'text/plain', params: {} };
  // The form git format-patch writes (`text/plain; charset=UTF-8`, nothing quoted, folded or
  // encoded) is read here; anything else goes to libmime.
  const simple = SIMPLE_CONTENT_TYPE.exec(value);
  if (simple) {
    const params: Record<string, string> = {};
    if (simple[2] !== undefined) params[simple[2].toLowerCase()] = simple[3]!;
    return { type: simple[1]!.toLowerCase(), params };
  }
  const parsed = libmime().parseHeaderValue(value);
  return { type: parsed.value.toLowerCase().trim(), params: parsed.params };
}
