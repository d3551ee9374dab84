import type { Message } from './message.js';
import { toPatch, type MessageKind, type Patch, type Trailer } from './patch.js';
import type { ParsedSubject } from './subject.js';
import { parseDiff, pathsFromDiffGitLine, unquoteC } from '../diff/parse.js';
import type { DiffModel, FileDiff } from '../diff/model.js';
import { touchesPath } from '../diff/queries.js';

/**
 * The archive fast path (docs/performance.md): most messages of a list archive touch no watched path, yet
 * the report must still list each with its files and line counts. Building the full diff model
 * (hunks, lines, scopes) for them is most of the cost of a run, so their diff is only counted
 * here, and the model is built on demand if anyone asks for it.
 *
 * The counter reads well-formed `git format-patch` diffs only, e.g.
 *
 *     diff --git a/xen/common/sched/core.c b/xen/common/sched/core.c
 *     index 1c8a3b2..4f0e9d1 100644
 *     --- a/xen/common/sched/core.c
 *     +++ b/xen/common/sched/core.c
 *     @@ -12,6 +12,7 @@ static int foo(void)
 *
 * with hunks whose line counts add up exactly. Anything else (a plain `diff -u`, counts that
 * lie, stray lines, a missing `---`/`+++` pair, a second line of dashes that could open a
 * later diffstat break) returns null and the message takes the full path, so the counts here
 * are those of `parseDiff` by construction, not by imitation of its recovery heuristics.
 * `ingest/bytepath.ts` runs the same counter on a message's bytes, before any parsing.
 */
export interface FileCount {
  /** As `FileDiff.path`: the new path, or the old one for a deletion. */
  readonly path: string;
  readonly oldPath: string | null;
  readonly additions: number;
  readonly deletions: number;
  readonly binary: boolean;
  /** Where the file's section starts and ends in the diff text. */
  readonly start: number;
  readonly end: number;
}

const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;
const GIT_EXTENDED_HEADER =
  /^(?:old mode |new mode |deleted file mode |new file mode |copy from |copy to |rename from |rename to |rename old |rename new |similarity index |dissimilarity index |index )/;
const BINARY_FILES = /^Binary files .* differ$/;
const NO_NEWLINE = '\\ No newline at end of file';

interface Section {
  readonly start: number;
  readonly headers: string[];
  minus: string | null;
  plus: string | null;
  hunks: number;
  additions: number;
  deletions: number;
  binary: boolean;
}

const enum State {
  Outside,
  Header,
  Hunk,
  Binary,
}

/**
 * Per-file counts of a well-formed git diff, or null when the full parser must decide.
 * Offsets in the result are UTF-8 byte offsets into `text`.
 */
export function countDiff(text: string): FileCount[] | null {
  const bytes = utf8Of(text);
  return bytes === null ? null : countDiffBytes(bytes);
}

/** The text as UTF-8, or null when it holds a lone surrogate (no UTF-8 form: it would come back as U+FFFD); parseDiff decides those. */
function utf8Of(text: string): Buffer | null {
  return LONE_SURROGATE.test(text) ? null : Buffer.from(text, 'utf8');
}

const LONE_SURROGATE = /\p{Surrogate}/u;

/**
 * `countDiff` over UTF-8 bytes, the diff starting at `from` (offsets in the result are
 * offsets in `bytes`). Lines are walked as bytes; the few that are read as text (a file's
 * header lines, hunk headers) are decoded first, so every test sees what the full parser
 * sees in the decoded text. The raw-bytes path (ingest/bytepath.ts) counts a message's body
 * this way without ever decoding its diff.
 */
export function countDiffBytes(bytes: Buffer, from = 0): FileCount[] | null {
  const sections: Section[] = [];
  let section: Section | null = null;
  let state: State = State.Outside;
  let oldLeft = 0;
  let newLeft = 0;
  const length = bytes.length;
  let start = from;
  while (start < length) {
    if (state === State.Hunk) {
      // The hot loop: every line of every hunk of an archive passes here once.
      const current = section!;
      while (start < length) {
        const newline = bytes.indexOf(LF, start);
        const next = newline < 0 ? length : newline + 1;
        const first = bytes[start];
        if (first === SPACE || first === LF || (first === CR && lineEnd(bytes, start, newline) === start)) {
          if (oldLeft === 0 || newLeft === 0) return null;
          oldLeft--;
          newLeft--;
        } else if (first === DASH) {
          if (oldLeft === 0 || (bytes[start + 1] === DASH && bytes[start + 2] === SPACE && lineEnd(bytes, start, newline) === start + 3)) return null;
          if (start > from && isDashBreak(bytes, start, newline)) return null;
          oldLeft--;
          current.deletions++;
        } else if (first === PLUS) {
          if (newLeft === 0) return null;
          newLeft--;
          current.additions++;
        } else if (first === BACKSLASH) {
          if (bytes.toString('latin1', start, lineEnd(bytes, start, newline)) !== NO_NEWLINE) return null;
        } else return null; // the counts lied: let the full parser recover
        start = next;
        if (oldLeft === 0 && newLeft === 0) {
          state = State.Header;
          break;
        }
      }
      continue;
    }
    const newline = bytes.indexOf(LF, start);
    const next = newline < 0 ? length : newline + 1;
    const end = lineEnd(bytes, start, newline);
    const first = end > start ? bytes[start]! : -1;
    // A later `---` line could start another format-patch diffstat break (the last one
    // wins, see diffstatBreak): the full path decides.
    if (first === DASH && start > from && isDashBreak(bytes, start, newline)) return null;

    if (first === LOWER_D && startsWithAt(bytes, DIFF_GIT, start)) {
      section = { start, headers: [bytes.toString('utf8', start, end)], minus: null, plus: null, hunks: 0, additions: 0, deletions: 0, binary: false };
      sections.push(section);
      state = State.Header;
      start = next;
      continue;
    }
    if (state === State.Binary) {
      start = next;
      continue;
    }

    if (state === State.Header) {
      const current = section!;
      const line = bytes.toString('utf8', start, end);
      if (first === AT) {
        const hunk = HUNK_HEADER.exec(line);
        if (hunk) {
          // Every hunk of a clean git diff follows its file's ---/+++ pair.
          if (current.minus === null) return null;
          oldLeft = hunk[2] === undefined ? 1 : Number(hunk[2]);
          newLeft = hunk[4] === undefined ? 1 : Number(hunk[4]);
          if (oldLeft === 0 && newLeft === 0) return null;
          current.hunks++;
          state = State.Hunk;
          start = next;
          continue;
        }
      }
      if (current.hunks > 0) {
        // After a complete hunk a change line means the counts were too small (the full
        // parser skips and reports it); a signature, `\ No newline`, or prose ends the file.
        if (first === SPACE || first === PLUS || (first === DASH && line !== '-- ' && line !== '--' && !line.startsWith('---'))) return null;
        state = State.Outside;
      } else if (line.startsWith('GIT binary patch') || BINARY_FILES.test(line)) {
        current.binary = true;
        current.headers.push(line);
        state = line.startsWith('GIT') ? State.Binary : State.Outside;
        start = next;
        continue;
      } else if (current.minus === null && GIT_EXTENDED_HEADER.test(line)) {
        current.headers.push(line);
        start = next;
        continue;
      } else if (current.minus === null && line.startsWith('--- ') && startsWithAt(bytes, PLUS_LINE, next)) {
        const after = bytes.indexOf(LF, next);
        current.minus = line;
        current.plus = bytes.toString('utf8', next, lineEnd(bytes, next, after));
        start = after < 0 ? length : after + 1;
        continue;
      } else state = State.Outside; // e.g. the signature after a pure rename
    }

    // Outside any file: a `---`/`+++` pair here would be a plain (non-git) diff.
    if (first === DASH && startsWithAt(bytes, MINUS_LINE, start) && startsWithAt(bytes, PLUS_LINE, next)) return null;
    start = next;
  }
  if (state === State.Hunk) return null; // cut off mid-hunk
  const files: FileCount[] = [];
  for (let i = 0; i < sections.length; i++) {
    const file = fileOf(sections[i]!, sections[i + 1]?.start ?? length);
    if (file === null) return null;
    files.push(file);
  }
  return files;
}

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const PLUS = 0x2b;
const DASH = 0x2d;
const AT = 0x40;
const BACKSLASH = 0x5c;
const LOWER_D = 0x64;
const DIFF_GIT = Buffer.from('diff --git ');
const MINUS_LINE = Buffer.from('--- ');
const PLUS_LINE = Buffer.from('+++ ');

/** Whether `bytes` holds `prefix` at `at`. */
function startsWithAt(bytes: Buffer, prefix: Buffer, at: number): boolean {
  if (at + prefix.length > bytes.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[at + i] !== prefix[i]) return false;
  return true;
}

/** Where the line starting at `start` ends, without its CR; `newline` is its LF (or -1: none). */
function lineEnd(bytes: Buffer, start: number, newline: number): number {
  const end = newline < 0 ? bytes.length : newline;
  return end > start && bytes[end - 1] === CR ? end - 1 : end;
}

/** Whether the line at `start` is `---` and blanks, then a newline: what opens a format-patch diffstat. */
function isDashBreak(bytes: Buffer, start: number, newline: number): boolean {
  if (newline < 0 || bytes[start + 1] !== DASH || bytes[start + 2] !== DASH) return false;
  for (let at = start + 3; at < newline; at++) {
    const c = bytes[at];
    if (c !== SPACE && c !== 0x09 && !(c === CR && at === newline - 1)) return false;
  }
  return true;
}

/** The paths as `parseDiff` names them (rename/copy headers, then ---/+++, then diff --git). */
function fileOf(section: Section, end: number): FileCount | null {
  const header = (prefix: string): string | undefined => {
    const found = section.headers.find((h) => h.startsWith(prefix));
    return found === undefined ? undefined : found.slice(prefix.length);
  };
  const gitPaths = pathsFromDiffGitLine(section.headers[0] ?? '');
  let oldPath: string | null =
    header('rename from ') ?? header('copy from ') ?? (section.minus !== null ? pathFromMinusPlus(section.minus.slice(4), 'a/') : null) ?? gitPaths?.old ?? null;
  let newPath: string | null =
    header('rename to ') ?? header('copy to ') ?? (section.plus !== null ? pathFromMinusPlus(section.plus.slice(4), 'b/') : null) ?? gitPaths?.new ?? null;
  if (header('new file mode ') !== undefined) oldPath = null;
  if (header('deleted file mode ') !== undefined) newPath = null;
  if (oldPath === null && newPath === null) {
    if (gitPaths === null) return null;
    oldPath = gitPaths.old;
    newPath = gitPaths.new;
  }
  const path = newPath ?? oldPath ?? '';
  // No readable path (a `diff --git` line cut short): parseDiff reports it, so it decides.
  if (path === '') return null;
  return { path, oldPath, additions: section.additions, deletions: section.deletions, binary: section.binary, start: section.start, end };
}

function pathFromMinusPlus(value: string, prefix: string): string | null {
  // `--- a/path\t2024-01-01 12:00:00` (diff -u adds a timestamp after a tab)
  const tab = value.indexOf('\t');
  let path = (tab < 0 ? value : value.slice(0, tab)).trimEnd();
  if (path === '/dev/null') return null;
  if (path.startsWith('"')) path = unquoteC(path);
  return path.startsWith(prefix) ? path.slice(prefix.length) : path;
}

/**
 * The diff models of the counted files that touch a watched path (old or new name), each
 * modelled from its own section of the UTF-8 diff `bytes`: sections of a clean git diff are
 * independent, and a section's bytes decoded are that slice of the decoded diff (both end at
 * line ends). Null when a section does not model cleanly on its own: the full parser decides.
 */
export function modelWatched(bytes: Buffer, counts: readonly FileCount[], isWatched: (path: string) => boolean): FileDiff[] | null {
  const watched: FileDiff[] = [];
  for (const file of counts) {
    if (!touchesPath(file, isWatched)) continue;
    const model = parseDiff(bytes.toString('utf8', file.start, file.end));
    const only = model.files[0];
    if (model.files.length !== 1 || model.problems !== undefined || only === undefined) return null;
    watched.push(only);
  }
  return watched;
}

/** A patch whose files were counted; only its watched files were modelled. */
export interface LeanPatch {
  /** The patch as `toPatch` gives it; its `diff` is modelled in full on first access. */
  readonly patch: Patch;
  /** Every file, counted: what the report lists. */
  readonly counts: readonly FileCount[];
  /** The patch as the rules see it: a plain object whose diff holds only the watched files. */
  readonly review: Patch;
}

/**
 * The message as a patch whose clean diff was counted, and modelled only where it touches a
 * watched path (old or new name); null when the diff is not clean and needs the full
 * `toPatch`. Sections of a clean git diff are independent, so modelling a watched file's
 * section alone gives what the whole diff's model says of that file.
 */
export function leanPatch(message: Message, isWatched: (path: string) => boolean): LeanPatch | null {
  // Everything but the diff comes from toPatch itself, so the two cannot drift apart.
  const { diff: _none, ...base } = toPatch({ ...message, diffText: '' });
  let counts: FileCount[] = [];
  let watched: FileDiff[] = [];
  // A reply is never a patch (toPatch does not model its diff either).
  if (!base.subject.isReply && message.diffText.length > 0) {
    const bytes = utf8Of(message.diffText);
    if (bytes === null) return null;
    const counted = countDiffBytes(bytes);
    const modelled = counted === null ? null : modelWatched(bytes, counted, isWatched);
    if (counted === null || modelled === null) return null;
    counts = counted;
    watched = modelled;
  }
  const kind: MessageKind = counts.length > 0 && !base.subject.isReply ? 'patch' : base.kind;
  const patch = new CountedPatch({ ...base, message, kind }, counts.length > 0);
  return { patch, counts, review: { ...base, message, kind, diff: { files: watched } } };
}

/**
 * A patch whose diff model is built when first read. `diff` is a getter on the prototype, so
 * a spread copy must set its own `diff` (as the engine's `scopeSeries` does).
 */
export class CountedPatch implements Patch {
  readonly message: Message;
  readonly subject: ParsedSubject;
  readonly kind: MessageKind;
  readonly trailers: readonly Trailer[];
  declare readonly problems?: readonly string[];
  #diff: DiffModel | undefined;
  readonly #hasDiff: boolean;

  constructor(base: Omit<Patch, 'diff'>, hasDiff: boolean) {
    this.message = base.message;
    this.subject = base.subject;
    this.kind = base.kind;
    this.trailers = base.trailers;
    if (base.problems !== undefined) (this as { problems?: readonly string[] }).problems = base.problems;
    this.#hasDiff = hasDiff;
  }

  get diff(): DiffModel {
    this.#diff ??= this.#hasDiff ? parseDiff(this.message.diffText) : { files: [] };
    return this.#diff;
  }
}
