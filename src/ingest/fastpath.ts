import type { Message } from './message.js';
import { toPatch, type Patch } from './patch.js';
import { parseDiff, pathsFromDiffGitLine, unquoteC } from '../diff/parse.js';
import type { DiffModel } from '../diff/model.js';

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
 * lie, stray lines, a missing `---`/`+++` pair) returns null and the message takes the full
 * path, so the counts here are those of `parseDiff` by construction, not by imitation of its
 * recovery heuristics.
 */
export interface FileCount {
  /** As `FileDiff.path`: the new path, or the old one for a deletion. */
  readonly path: string;
  readonly oldPath: string | null;
  readonly additions: number;
  readonly deletions: number;
  readonly binary: boolean;
}

const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;
const GIT_EXTENDED_HEADER =
  /^(?:old mode |new mode |deleted file mode |new file mode |copy from |copy to |rename from |rename to |rename old |rename new |similarity index |dissimilarity index |index )/;
const BINARY_FILES = /^Binary files .* differ$/;
const NO_NEWLINE = '\\ No newline at end of file';

interface Section {
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

/** Per-file counts of a well-formed git diff, or null when the full parser must decide. */
export function countDiff(text: string): FileCount[] | null {
  const sections: Section[] = [];
  let section: Section | null = null;
  let state: State = State.Outside;
  let oldLeft = 0;
  let newLeft = 0;
  const length = text.length;
  let start = 0;
  while (start < length) {
    const newline = text.indexOf('\n', start);
    const next = newline < 0 ? length : newline + 1;
    let end = newline < 0 ? length : newline;
    if (end > start && text.charCodeAt(end - 1) === 13) end--;
    const first = end > start ? text.charCodeAt(start) : -1;

    if (state === State.Hunk) {
      if (first === 32 || first === -1) {
        if (oldLeft === 0 || newLeft === 0) return null;
        oldLeft--;
        newLeft--;
      } else if (first === 45) {
        if (oldLeft === 0 || (end - start === 3 && text.startsWith('-- ', start))) return null;
        oldLeft--;
        section!.deletions++;
      } else if (first === 43) {
        if (newLeft === 0) return null;
        newLeft--;
        section!.additions++;
      } else if (first === 92) {
        if (text.slice(start, end) !== NO_NEWLINE) return null;
      } else return null; // the counts lied: let the full parser recover
      if (oldLeft === 0 && newLeft === 0) state = State.Header;
      start = next;
      continue;
    }

    if (first === 100 && text.startsWith('diff --git ', start)) {
      section = { headers: [text.slice(start, end)], minus: null, plus: null, hunks: 0, additions: 0, deletions: 0, binary: false };
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
      } else if (current.minus === null && line.startsWith('--- ') && text.startsWith('+++ ', next)) {
        const after = text.indexOf('\n', next);
        const plusEnd = after < 0 ? length : after;
        current.minus = line;
        current.plus = text.slice(next, plusEnd > next && text.charCodeAt(plusEnd - 1) === 13 ? plusEnd - 1 : plusEnd);
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
  for (const s of sections) {
    const file = fileOf(s);
    if (file === null) return null;
    files.push(file);
  }
  return files;
}

/** The paths as `parseDiff` names them (rename/copy headers, then ---/+++, then diff --git). */
function fileOf(section: Section): FileCount | null {
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
  return { path: newPath ?? oldPath ?? '', oldPath, additions: section.additions, deletions: section.deletions, binary: section.binary };
}

function pathFromMinusPlus(value: string, prefix: string): string | null {
  // `--- a/path\t2024-01-01 12:00:00` (diff -u adds a timestamp after a tab)
  let path = (value.split('\t')[0] ?? '').trimEnd();
  if (path === '/dev/null') return null;
  if (path.startsWith('"')) path = unquoteC(path);
  return path.startsWith(prefix) ? path.slice(prefix.length) : path;
}

/** A patch whose files were counted but not modelled; `counts` is what the report lists. */
export interface LeanPatch {
  readonly patch: Patch;
  readonly counts: readonly FileCount[];
}

/**
 * The message as a patch without its diff model, when its diff is clean and touches no watched
 * path (old or new name); null when it needs the full `toPatch`. The patch's `diff` is
 * built on first access, so any consumer still sees exactly what `toPatch` gives.
 */
export function leanPatch(message: Message, isWatched: (path: string) => boolean): LeanPatch | null {
  // Everything but the diff comes from toPatch itself, so the two cannot drift apart.
  const base = toPatch({ ...message, diffText: '' });
  const { subject } = base;
  // A reply is never a patch (toPatch does not model its diff either).
  const counts = subject.isReply || message.diffText.length === 0 ? [] : countDiff(message.diffText);
  if (counts === null) return null;
  for (const file of counts) if (isWatched(file.path) || (file.oldPath !== null && isWatched(file.oldPath))) return null;
  let diff: DiffModel | undefined;
  const patch: Patch = {
    ...base,
    message,
    kind: counts.length > 0 && !subject.isReply ? 'patch' : base.kind,
    get diff(): DiffModel {
      diff ??= counts.length > 0 ? parseDiff(message.diffText) : { files: [] };
      return diff;
    },
  };
  return { patch, counts };
}
