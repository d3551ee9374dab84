/**
 * Streaming mbox splitter (mboxo and mboxrd, LF or CRLF).
 *
 * A message starts at a From_ line (RFC 4155): `From <sender> <asctime date>`, e.g.
 *
 *     From 3e9b0d540837c4641783adcc5449d3762469ff9d Mon Sep 17 00:00:00 2001
 *
 * Only lines of that exact shape split: `git format-patch` does not escape body lines such as
 * "From the errata document:", and a plain `^From ` split turns the Xen history into dozens of
 * extra messages. `>From ` lines are unescaped the mboxrd way (one `>` removed), which is also
 * right for mboxo's single `>`.
 */

export interface RawMessage {
  /** 0-based position of the message in its input. */
  readonly index: number;
  /** The message bytes, From_ line removed, mboxrd-unescaped. */
  readonly bytes: Buffer;
}

const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
export const FROM_LINE = new RegExp(
  `^From \\S+ +${DAY},? +${MONTH} +\\d{1,2} +\\d{1,2}:\\d\\d(?::\\d\\d)?(?: +(?:[A-Z]{1,5}|[+-]\\d{4}))? +\\d{4}(?: +(?:[A-Z]{1,5}|[+-]\\d{4}))?\\s*$`,
);

const NL = 0x0a;
const CR = 0x0d;
const FROM_PREFIX = Buffer.from('From ');

/** True when a line (without its newline) is a From_ separator. */
export function isFromLine(line: string): boolean {
  return line.startsWith('From ') && FROM_LINE.test(line);
}

/** True when `bytes[start, end)`, one line without its LF (a CR before it is ignored), is a From_ line. */
export function isFromLineIn(bytes: Buffer, start = 0, end = bytes.length): boolean {
  return isFromLine(bytes.toString('latin1', start, end > start && bytes[end - 1] === CR ? end - 1 : end));
}

/** True when the first line of `bytes` is a From_ line (the input is an mbox). */
export function startsWithFromLine(bytes: Buffer): boolean {
  const nl = bytes.indexOf(NL);
  return isFromLineIn(bytes, 0, nl < 0 ? bytes.length : nl);
}

/**
 * Splits an mbox byte stream into messages, holding at most one message in memory.
 * Text before the first From_ line (there should be none) becomes message 0 when non-empty.
 */
export async function* splitMbox(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncGenerator<RawMessage> {
  let pending: Buffer[] = []; // bytes of the current message
  let pendingLength = 0;
  let carry: Buffer = Buffer.alloc(0); // an incomplete last line
  let index = 0;
  let started = false;

  const flush = (): RawMessage | null => {
    if (!started && pendingLength === 0) return null;
    // A message inside one chunk is a view of it (no copy: most messages of an archive); one
    // across chunks is joined. A chunk lives while a message it holds does: the pipeline
    // keeps at most its series window of messages, so that is bounded too.
    const bytes = unescapeMboxrd(pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingLength));
    pending = [];
    pendingLength = 0;
    if (!started && bytes.toString('latin1').trim() === '') return null;
    return { index: index++, bytes };
  };

  for await (const chunk of chunks) {
    const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let lineStart = 0;
    // Scan line starts that begin with "From " only; everything else is copied in bulk.
    let segmentStart = 0;
    if (carry.length > 0) {
      // The chunk first ends the carried line: join that line alone rather than copying the
      // whole chunk behind it (a copy of every byte read).
      const first = buf.indexOf(NL);
      if (first < 0) {
        carry = Buffer.concat([carry, buf]);
        continue;
      }
      const head = Buffer.concat([carry, buf.subarray(0, first + 1)]);
      carry = Buffer.alloc(0);
      if (isFromLineIn(head, 0, head.length - 1)) {
        const message = flush();
        if (message) yield message;
        started = true;
      } else {
        pending.push(head);
        pendingLength += head.length;
      }
      lineStart = first + 1;
      segmentStart = first + 1;
    }
    for (;;) {
      const nl = buf.indexOf(NL, lineStart);
      if (nl < 0) break;
      // (A line of fewer than 5 bytes cannot be a From_ line; compare() would throw on it.)
      if (buf[lineStart] === 0x46 /* F */ && nl - lineStart >= 5 && buf.compare(FROM_PREFIX, 0, 5, lineStart, lineStart + 5) === 0) {
        if (isFromLineIn(buf, lineStart, nl)) {
          if (lineStart > segmentStart) {
            pending.push(buf.subarray(segmentStart, lineStart));
            pendingLength += lineStart - segmentStart;
          }
          const message = flush();
          if (message) yield message;
          started = true;
          segmentStart = nl + 1;
        }
      }
      lineStart = nl + 1;
      // Jump to the next line that could be a From_ line.
      const next = buf.indexOf('\nFrom ', nl, 'latin1');
      if (next < 0) {
        // No candidate in this chunk: keep the complete lines, carry the last partial line.
        const lastNl = buf.lastIndexOf(NL);
        lineStart = lastNl + 1;
        break;
      }
      lineStart = next + 1;
    }
    if (lineStart > segmentStart) {
      // Keep whole lines only; the tail (no newline yet) is carried.
      pending.push(buf.subarray(segmentStart, lineStart));
      pendingLength += lineStart - segmentStart;
    }
    carry = buf.subarray(lineStart);
  }
  if (carry.length > 0) {
    // A final line with no newline: could still be a From_ line of an empty message.
    if (isFromLineIn(carry)) {
      const message = flush();
      if (message) yield message;
      started = true;
    } else {
      pending.push(carry);
      pendingLength += carry.length;
    }
  }
  const last = flush();
  if (last) yield last;
}

// Lines end at LF only: JavaScript's /m would also start a line after a lone CR or U+2028.
const ESCAPED_FROM = /(^|\n)>(>*From )/g;

/** mboxrd unescaping: `>From ` → `From `, `>>From ` → `>From `. */
export function unescapeMboxrd(bytes: Buffer): Buffer {
  // Every escaped line holds `>From `; a long needle rules most messages out in one fast scan.
  if (bytes.indexOf('>From ', 0, 'latin1') < 0) return bytes;
  const text = bytes.toString('latin1');
  if (!/(?:^|\n)>+From /.test(text)) return bytes;
  return Buffer.from(text.replace(ESCAPED_FROM, '$1$2'), 'latin1');
}

/** Escapes a message body for mboxrd output (the inverse of `unescapeMboxrd`). */
export function escapeMboxrd(text: string): string {
  return text.replace(/(^|\n)(>*From )/g, '$1>$2');
}

/**
 * Where the first From_ line at or after `from` starts in `bytes` (whose first byte starts a
 * line): the same lines `splitMbox` splits at. -1 when there is none in `bytes` (when the input
 * goes on, one may start after it); 'more' when a candidate line runs past the end of `bytes`
 * and `atEnd` is false: only more bytes can tell.
 * Lets worker threads cut a file into pieces that split exactly as the whole file does.
 */
export function nextFromLine(bytes: Buffer, from: number, atEnd: boolean): number | 'more' {
  let candidate = from === 0 || bytes[from - 1] === NL ? from : -1;
  if (candidate < 0 || bytes.compare(FROM_PREFIX, 0, 5, candidate, Math.min(bytes.length, candidate + 5)) !== 0) {
    const at = bytes.indexOf('\nFrom ', Math.max(0, from - 1), 'latin1');
    candidate = at < 0 ? -1 : at + 1;
  }
  while (candidate >= 0) {
    const nl = bytes.indexOf(NL, candidate);
    if (nl < 0 && !atEnd) return 'more';
    if (isFromLineIn(bytes, candidate, nl < 0 ? bytes.length : nl)) return candidate;
    const at = bytes.indexOf('\nFrom ', candidate, 'latin1');
    candidate = at < 0 ? -1 : at + 1;
  }
  return -1;
}
