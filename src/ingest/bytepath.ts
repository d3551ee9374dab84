import type { RawMessage } from './mbox.js';
import { decodeHeaderText, firstField, type HeaderBlock } from './headers.js';
import { authorOf, dateOf, diffstatBreak, fromOf, plainBodyCharset, recipientsOf, threadFields, type Address, type Message } from './message.js';
import { kindOf, readTrailers, type MessageKind, type Patch, type Trailer } from './patch.js';
import type { DiffModel } from '../diff/model.js';
import { parseDiff } from '../diff/parse.js';
import { parseSubject, type ParsedSubject } from './subject.js';
import { modelWatched, type LeanPatch } from './fastpath.js';
import { countDiffBytes } from '../diff/grammar.js';
import { messageIdentity } from './identity.js';

/**
 * The raw-bytes fast path (docs/performance.md): a plain `git format-patch` message is counted from its
 * bytes. Its diff is walked as bytes (countDiffBytes); only its watched files (most messages
 * of an archive have none) are decoded and modelled, and the rest is decoded only if someone
 * reads `diffText`.
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
export function leanPatchFromBytes(raw: RawMessage, block: HeaderBlock, isWatched: (path: string) => boolean): LeanPatch | null {
  const { bytes } = raw;
  if (block.fields.size === 0 || block.bodyOffset >= bytes.length) return null;
  const charset = plainBodyCharset(block);
  if (charset !== 'utf-8' && charset !== 'utf8' && charset !== 'us-ascii') return null;
  const subjectText = decodeHeaderText(firstField(block, 'subject') ?? '');
  const subject = parseSubject(subjectText);
  if (subject.isReply) return null;
  const body = bytes.subarray(block.bodyOffset);
  // The diffstat break comes before the first file: only that much is looked at as text. A
  // diffstat match cannot reach past it (a `diff --git` line does not start with a space).
  const firstFile = body.indexOf(DIFF_GIT_LINE);
  if (firstFile < 0) return null;
  const head = body.toString('latin1', 0, firstFile + 1);
  // The first break is the last one when countDiffBytes accepts the rest (it refuses a later
  // `---` line).
  const diffstat = diffstatBreak(head, true);
  if (diffstat === null) return null;
  const split = diffstat.start;
  // The diffstat is the one stretch read with `.`: in Latin-1 it also crosses U+2028/U+2029,
  // which the UTF-8 reading stops at. Without them there both readings find this break (the
  // Latin-1 one can only match more, so no earlier candidate was missed).
  if (holdsLineSeparator(body, split, diffstat.end)) return null;
  const diff = body.subarray(split);
  const counts = countDiffBytes(diff);
  if (counts === null || counts.length === 0) return null;
  const watched = modelWatched(diff, counts, isWatched);
  if (watched === null) return null;
  const prose = body.toString('utf8', 0, split);
  const message = new PlainMessage(raw, block, subjectText, prose, diff);
  const patch = new PlainPatch(message, subject, kindOf(subject, true));
  // What the rules see: the watched files only; the trailers, for waivers, when asked.
  const review: Patch = {
    message,
    subject,
    kind: patch.kind,
    diff: { files: watched },
    get trailers() {
      return patch.trailers;
    },
  };
  return { patch, counts, review };
}

/**
 * A message read from its bytes, the parts an archive report never shows read on first use:
 * the recipients and date from the header, the diff text decoded from the body. Those are
 * getters on the prototype, so a spread copy must set its own (as bot/workers/slim.ts does).
 */
class PlainMessage implements Message {
  readonly index: number;
  readonly id: string;
  readonly messageId: string | null;
  readonly subject: string;
  readonly from: Address | null;
  readonly author: Address | null;
  readonly inReplyTo: string | null;
  readonly references: readonly string[];
  readonly autoSubmitted: string | null;
  readonly listId: string | null;
  readonly prose: string;
  readonly #block: HeaderBlock;
  readonly #diff: Buffer;
  #to: readonly Address[] | undefined;
  #cc: readonly Address[] | undefined;
  #date: string | null | undefined;
  #diffText: string | undefined;

  constructor(raw: RawMessage, block: HeaderBlock, subject: string, prose: string, diff: Buffer) {
    const thread = threadFields(block);
    this.index = raw.index;
    this.id = messageIdentity(thread.messageId, raw.bytes);
    this.messageId = thread.messageId;
    this.subject = subject;
    this.from = fromOf(block);
    this.author = authorOf(block, this.from);
    this.inReplyTo = thread.inReplyTo;
    this.references = thread.references;
    this.autoSubmitted = thread.autoSubmitted;
    this.listId = thread.listId;
    this.prose = prose;
    this.#block = block;
    this.#diff = diff;
  }

  get to(): readonly Address[] {
    this.#to ??= recipientsOf(this.#block, 'to');
    return this.#to;
  }

  get cc(): readonly Address[] {
    this.#cc ??= recipientsOf(this.#block, 'cc');
    return this.#cc;
  }

  get date(): string | null {
    if (this.#date === undefined) this.#date = dateOf(this.#block);
    return this.#date;
  }

  get diffText(): string {
    this.#diffText ??= this.#diff.toString('utf8');
    return this.#diffText;
  }
}

/**
 * The counted patch: its diff modelled, and its trailers (which only the rules read, for
 * waivers) found, on first use. Getters on the prototype, like CountedPatch's `diff`.
 */
class PlainPatch implements Patch {
  #diff: DiffModel | undefined;
  #trailers: readonly Trailer[] | undefined;

  constructor(
    readonly message: Message,
    readonly subject: ParsedSubject,
    readonly kind: MessageKind,
  ) {}

  get diff(): DiffModel {
    this.#diff ??= parseDiff(this.message.diffText);
    return this.#diff;
  }

  get trailers(): readonly Trailer[] {
    this.#trailers ??= readTrailers(this.message.prose);
    return this.#trailers;
  }
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
