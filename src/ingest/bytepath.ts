import type { RawMessage } from './mbox.js';
import { decodeHeaderText, firstField, isUtf8Charset, type HeaderBlock } from './headers.js';
import { buildMessage, diffstatBreak, plainBodyCharset } from './message.js';
import { readTrailers, type Patch } from './patch.js';
import { parseSubject } from './subject.js';
import { countWatched } from './fastpath.js';

/**
 * The raw-bytes fast path (docs/performance.md): a plain `git format-patch` message is counted
 * from its bytes. Its diff is walked as bytes (the grammar's counting mode); only its watched
 * files (most messages of an archive have none) are decoded and modelled, and the message keeps
 * the rest as bytes (`Message.diff`), decoded only if someone asks (`diffText`, `wholeDiff`).
 *
 * The commit message and diffstat, up to the first file, are searched for the diffstat break
 * as Latin-1 text: one character per byte, so every ASCII line, marker and offset is where
 * UTF-8 decoding puts it. The one place the two readings differ is a line terminator:
 * U+2028/U+2029 end a line for JavaScript's `^`/`$`/`.` in the UTF-8 text, and are three
 * ordinary bytes in Latin-1, so a diffstat holding either takes the usual path, as does
 * anything that is not plain UTF-8/ASCII text with a format-patch diffstat break, a reply, or
 * a diff the counter does not vouch for. Watched files are modelled, each from its own
 * section, as `leanPatch` does.
 *
 * Returns null for all of those: `leanPatch`/`toPatch` on the parsed message decide.
 */
export function leanPatchFromBytes(raw: RawMessage, block: HeaderBlock, isWatched: (path: string) => boolean): Patch | null {
  const { bytes } = raw;
  if (block.fields.size === 0 || block.bodyOffset >= bytes.length) return null;
  const charset = plainBodyCharset(block);
  if (charset === null || !isUtf8Charset(charset)) return null;
  const subject = parseSubject(decodeHeaderText(firstField(block, 'subject') ?? ''));
  if (subject.isReply) return null;
  const body = bytes.subarray(block.bodyOffset);
  // The diffstat break comes before the first file: only that much is looked at as text. A
  // diffstat match cannot reach past it (a `diff --git` line does not start with a space).
  const firstFile = body.indexOf(DIFF_GIT_LINE);
  if (firstFile < 0) return null;
  const head = body.toString('latin1', 0, firstFile + 1);
  // The first break is the last one when the counting accepts the rest (it refuses a later
  // `---` line).
  const diffstat = diffstatBreak(head, true);
  if (diffstat === null) return null;
  const split = diffstat.start;
  // The diffstat is the one stretch read with `.`: in Latin-1 it also crosses U+2028/U+2029,
  // which the UTF-8 reading stops at. Without them there both readings find this break (the
  // Latin-1 one can only match more, so no earlier candidate was missed).
  if (holdsLineSeparator(body, split, diffstat.end)) return null;
  const diff = body.subarray(split);
  const counted = countWatched(diff, isWatched);
  if (counted === null || counted.counts.length === 0) return null;
  const prose = body.toString('utf8', 0, split);
  const message = buildMessage(raw, block, { prose, diff });
  return { message, subject, kind: 'patch', diff: { files: counted.watched }, counts: counted.counts, trailers: readTrailers(prose) };
}

/** Whether UTF-8 bytes[start, end) hold U+2028 or U+2029 (E2 80 A8 / E2 80 A9). */
function holdsLineSeparator(bytes: Buffer, start: number, end: number): boolean {
  const stretch = bytes.subarray(start, end);
  for (let at = stretch.indexOf(LEAD); at >= 0; at = stretch.indexOf(LEAD, at + 2)) {
    const third = stretch[at + 2];
    if (third === 0xa8 || third === 0xa9) return true;
  }
  return false;
}

const LEAD = Buffer.from([0xe2, 0x80]);
const DIFF_GIT_LINE = Buffer.from('\ndiff --git ');
