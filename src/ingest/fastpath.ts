import type { Message } from './message.js';
import { toPatch, type MessageKind, type Patch, type Trailer } from './patch.js';
import type { ParsedSubject } from './subject.js';
import { parseDiff, pathsFromDiffGitLine, unquoteC } from '../diff/parse.js';
import type { DiffModel, FileDiff } from '../diff/model.js';

/**
 * The archive fast path (issue 6): most messages of a list archive touch no watched path, yet
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
 * `textOf` turns a header line (the ones that name paths) into text: the raw-bytes path
 * (ingest/bytepath.ts) counts a Latin-1 view of UTF-8 bytes and decodes just those lines.
 * The diff starts at `from` (offsets in the result are offsets in `text`).
 */
export function countDiff(text: string, textOf: (line: string) => string = sameText, from = 0): FileCount[] | null {
  const sections: Section[] = [];
  let section: Section | null = null;
  let state: State = State.Outside;
  let oldLeft = 0;
  let newLeft = 0;
  const length = text.length;
  let start = from;
  while (start < length) {
    if (state === State.Hunk) {
      // The hot loop: every line of every hunk of an archive passes here once.
      const current = section!;
      while (start < length) {
        const newline = text.indexOf('\n', start);
        const next = newline < 0 ? length : newline + 1;
        const first = text.charCodeAt(start);
        if (first === 32 || first === 10 || (first === 13 && lineEnd(text, start, newline) === start)) {
          if (oldLeft === 0 || newLeft === 0) return null;
          oldLeft--;
          newLeft--;
        } else if (first === 45) {
          if (oldLeft === 0 || (text.charCodeAt(start + 1) === 45 && text.charCodeAt(start + 2) === 32 && lineEnd(text, start, newline) === start + 3)) return null;
          if (start > from && isDashBreak(text, start, newline)) return null;
          oldLeft--;
          current.deletions++;
        } else if (first === 43) {
          if (newLeft === 0) return null;
          newLeft--;
          current.additions++;
        } else if (first === 92) {
          if (text.slice(start, lineEnd(text, start, newline)) !== NO_NEWLINE) return null;
        } else return null; // the counts lied: let the full parser recover
        start = next;
        if (oldLeft === 0 && newLeft === 0) {
          state = State.Header;
          break;
        }
      }
      continue;
    }
    const newline = text.indexOf('\n', start);
    const next = newline < 0 ? length : newline + 1;
    const end = lineEnd(text, start, newline);
    const first = end > start ? text.charCodeAt(start) : -1;
    // A later `---` line could start another format-patch diffstat break (the last one
    // wins, see formatPatchBreak): the full path decides.
    if (first === 45 && start > from && isDashBreak(text, start, newline)) return null;

    if (first === 100 && text.startsWith('diff --git ', start)) {
      section = { start, headers: [textOf(text.slice(start, end))], minus: null, plus: null, hunks: 0, additions: 0, deletions: 0, binary: false };
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
      const line = text.slice(start, end);
      if (first === 64) {
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
        if (first === 32 || first === 43 || (first === 45 && line !== '-- ' && line !== '--' && !line.startsWith('---'))) return null;
        state = State.Outside;
      } else if (line.startsWith('GIT binary patch') || (line.startsWith('Binary files ') && BINARY_FILES.test(textOf(line)))) {
        current.binary = true;
        current.headers.push(textOf(line));
        state = line.startsWith('GIT') ? State.Binary : State.Outside;
        start = next;
        continue;
      } else if (current.minus === null && GIT_EXTENDED_HEADER.test(line)) {
        current.headers.push(textOf(line));
        start = next;
        continue;
      } else if (current.minus === null && line.startsWith('--- ') && text.startsWith('+++ ', next)) {
        const after = text.indexOf('\n', next);
        const plusEnd = after < 0 ? length : after;
        current.minus = textOf(line);
        current.plus = textOf(text.slice(next, plusEnd > next && text.charCodeAt(plusEnd - 1) === 13 ? plusEnd - 1 : plusEnd));
        start = after < 0 ? length : after + 1;
        continue;
      } else state = State.Outside; // e.g. the signature after a pure rename
    }

    // Outside any file: a `---`/`+++` pair here would be a plain (non-git) diff.
    if (first === 45 && text.startsWith('--- ', start) && text.startsWith('+++ ', next)) return null;
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

/** Where the line starting at `start` ends, without its CR; `newline` is its LF (or -1: none). */
function lineEnd(text: string, start: number, newline: number): number {
  const end = newline < 0 ? text.length : newline;
  return end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
}

/** Whether the line at `start` is `---` and blanks, then a newline: what opens a format-patch diffstat. */
function isDashBreak(text: string, start: number, newline: number): boolean {
  if (newline < 0 || text.charCodeAt(start + 1) !== 45 || text.charCodeAt(start + 2) !== 45) return false;
  for (let at = start + 3; at < newline; at++) {
    const c = text.charCodeAt(at);
    if (c !== 32 && c !== 9 && !(c === 13 && at === newline - 1)) return false;
  }
  return true;
}

function sameText(line: string): string {
  return line;
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
  // A reply is never a patch (toPatch does not model its diff either).
  const counts = base.subject.isReply || message.diffText.length === 0 ? [] : countDiff(message.diffText);
  if (counts === null) return null;
  const watched: FileDiff[] = [];
  for (const file of counts) {
    if (!isWatched(file.path) && !(file.oldPath !== null && file.oldPath !== file.path && isWatched(file.oldPath))) continue;
    const model = parseDiff(message.diffText.slice(file.start, file.end));
    const only = model.files[0];
    if (model.files.length !== 1 || model.problems !== undefined || only === undefined) return null;
    watched.push(only);
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
