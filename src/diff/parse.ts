import type { DiffLine, DiffModel, FileDiff, FileStatus, Hunk } from './model.js';
import { closesScope, scopeFromHunkContext, scopeOpenedBy } from './functions.js';

/**
 * Turns the diff part of a patch into the diff model.
 *
 * One pass cuts the text into one section per file with a small state machine that knows
 * git's extended headers (rename/copy/mode/binary) and honours hunk line counts, so a
 * trailing `-- ` signature or text after the last hunk is never counted; it keeps each
 * hunk's lines, which then become the model's lines.
 *
 * This parser used to hand each section, its hunk headers rewritten to the counts kept, to
 * the parse-diff package; test/diff/parse.equal.test.ts still compares the two. It makes the
 * same model but for two malformed inputs parse-diff got wrong: see `readHunks`.
 */
export function parseDiff(text: string): DiffModel {
  const files: FileDiff[] = [];
  const problems: string[] = [];
  let unnamed: string[] | null = null;
  for (const section of splitFileSections(text)) {
    const { file, header } = sectionToFile(text, section);
    for (const problem of section.problems) problems.push(`${file.path || '(no path)'}: ${problem}`);
    if (file.path !== '') files.push(file);
    // A `diff --git` line cut short (a truncated mail) names no file: reported (after the
    // other problems), not modelled.
    else (unnamed ??= []).push(`cannot read the file names of "${header.slice(0, 200)}"`);
  }
  if (unnamed !== null) problems.push(...unnamed);
  return problems.length > 0 ? { files, problems } : { files };
}

interface Section {
  /** `diff --git` and git's extended header lines, or a `Binary files` line. */
  headers: string[];
  /** Opened by a `diff --git` line (not by a plain `---`/`+++` pair). */
  git: boolean;
  /** The `---`/`+++` pair before the first hunk, if any. */
  minus: string | null;
  plus: string | null;
  hunks: RawHunk[];
  binary: boolean;
  /** What did not add up in this file's hunks (reported, never thrown). */
  problems: string[];
}

/** A hunk as the splitter kept it. */
interface RawHunk {
  /** The start numbers of the header, as written. */
  oldStart: string;
  newStart: string;
  /** The header after its second `@@`. */
  rest: string;
  /**
   * Where the lines kept for it (`\` lines included) start and end in the text, without
   * their newline and CR: `[start, end, start, end, ...]`.
   */
  spans: number[];
  /** How many of them are old/new lines (what the header should have said). */
  oldCount: number;
  newCount: number;
}

const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;
const GIT_EXTENDED_HEADER =
  /^(?:old mode |new mode |deleted file mode |new file mode |copy from |copy to |rename from |rename to |rename old |rename new |similarity index |dissimilarity index |index )/;

const enum State {
  Outside,
  Header,
  Hunk,
  Binary,
}

/** The line starting at `start` without its newline and CR; null past the end. */
function lineAt(text: string, start: number): string | null {
  if (start >= text.length) return null;
  const newline = text.indexOf('\n', start);
  const end = newline < 0 ? text.length : newline;
  return end > start && text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end);
}

/** Where the line after the one starting at `start` starts. */
function nextLineStart(text: string, start: number): number {
  const newline = text.indexOf('\n', start);
  return newline < 0 ? text.length : newline + 1;
}

/** Cuts diff text into per-file sections. */
function splitFileSections(text: string): Section[] {
  const length = text.length;
  const sections: Section[] = [];
  let current: Section | null = null;
  let hunk: RawHunk | null = null;
  let state = State.Outside;
  let oldLeft = 0;
  let newLeft = 0;
  let hunkHeader = '';
  /** Set once a hunk ends; a stray `+`/`-` line after it means its counts were too small. */
  let afterHunk = false;
  let strayReported = false;
  /** Where the line being read starts and ends (without CR), and where the next one starts. */
  let lineStart = 0;
  let lineEnd = 0;
  let pos = 0;
  /** Read the line again (in the state it changed to) instead of the next one. */
  let again = false;

  const open = (header: string | null): Section => {
    current = { headers: header === null ? [] : [header], git: header !== null, minus: null, plus: null, hunks: [], binary: false, problems: [] };
    sections.push(current);
    afterHunk = false;
    return current;
  };
  const endShort = (): void => {
    current!.problems.push(`hunk "${hunkHeader}" ends ${Math.max(oldLeft, newLeft)} line(s) before its header says (wrong line counts or a truncated patch)`);
    state = State.Header;
    afterHunk = true;
    again = true;
  };

  for (;;) {
    if (again) again = false;
    else {
      // The newline ending the text does not start another (empty) line.
      if (pos >= length) break;
      const newline = text.indexOf('\n', pos);
      lineStart = pos;
      lineEnd = newline < 0 ? length : newline;
      if (lineEnd > lineStart && text.charCodeAt(lineEnd - 1) === 13) lineEnd--;
      pos = newline < 0 ? length : newline + 1;
    }
    // -1 for an empty line.
    const marker = lineEnd > lineStart ? text.charCodeAt(lineStart) : -1;

    if (state === State.Hunk) {
      // 32 ' ', 43 '+', 45 '-', 92 '\'; an empty line is a context line whose space a
      // mailer stripped. Hunk lines are only looked at here, not cut out of the text.
      if (marker === 92) {
        hunk!.spans.push(lineStart, lineEnd);
        continue;
      }
      if (lineEnd - lineStart === 3 && text.startsWith('-- ', lineStart) && !(oldLeft === 1 && newLeft <= 0) && !isHunkBodyLine(lineAt(text, pos) ?? 'x')) {
        // The mail signature (`-- ` then the git version) after a hunk whose counts are too
        // large: not a deleted line "- ".
        endShort();
        continue;
      }
      if (marker === -1 || marker === 32) {
        oldLeft--;
        newLeft--;
        hunk!.oldCount++;
        hunk!.newCount++;
      } else if (marker === 45) {
        oldLeft--;
        hunk!.oldCount++;
      } else if (marker === 43) {
        newLeft--;
        hunk!.newCount++;
      } else {
        // The hunk's counts lied (a truncated or hand-edited patch): it ends here.
        endShort();
        continue;
      }
      hunk!.spans.push(lineStart, lineEnd);
      if ((oldLeft < 0 || newLeft < 0) && !strayReported) {
        current!.problems.push(`hunk "${hunkHeader}" has more ${oldLeft < 0 ? 'old' : 'new'} lines than its header counts (wrong line counts)`);
        strayReported = true;
      }
      if (oldLeft <= 0 && newLeft <= 0) {
        state = State.Header;
        afterHunk = true;
      }
      continue;
    }

    const line = text.slice(lineStart, lineEnd);
    if (marker === 100 && line.startsWith('diff --git ')) {
      open(line);
      state = State.Header;
      continue;
    }
    if (state === State.Binary) continue;

    if (state === State.Header && current !== null) {
      const section: Section = current;
      const match = marker === 64 ? HUNK_HEADER.exec(line) : null;
      if (match && (section.minus !== null || section.hunks.length > 0 || section.git)) {
        oldLeft = match[2] === undefined ? 1 : Number(match[2]);
        newLeft = match[4] === undefined ? 1 : Number(match[4]);
        hunkHeader = match[0];
        strayReported = false;
        hunk = { oldStart: match[1]!, newStart: match[3]!, rest: line.slice(match[0].length), spans: [], oldCount: 0, newCount: 0 };
        section.hunks.push(hunk);
        afterHunk = false;
        state = oldLeft > 0 || newLeft > 0 ? State.Hunk : State.Header;
        continue;
      }
      if (afterHunk && isStrayChange(line, lineAt(text, pos) ?? '')) {
        // Counts too small: these lines are not counted, but a later hunk still is.
        if (!strayReported) section.problems.push(`hunk "${hunkHeader}" is followed by more diff lines than its header counts (wrong line counts); they are not counted`);
        strayReported = true;
        continue;
      }
      if (section.hunks.length === 0) {
        if (line.startsWith('GIT binary patch') || /^Binary files .* differ$/.test(line)) {
          section.binary = true;
          section.headers.push(line);
          state = line.startsWith('GIT') ? State.Binary : State.Outside;
          continue;
        }
        if (section.git && section.minus === null && GIT_EXTENDED_HEADER.test(line)) {
          section.headers.push(line);
          continue;
        }
        if (marker === 45 && line.startsWith('--- ') && section.minus === null) {
          const plus = lineAt(text, pos) ?? '';
          if (plus.startsWith('+++ ')) {
            section.minus = line;
            section.plus = plus;
            pos = nextLineStart(text, pos);
            continue;
          }
        }
      }
      state = State.Outside;
    }

    // Outside any section: a plain (non-git) unified diff starts with a `---`/`+++` pair.
    if (marker === 45 && line.startsWith('--- ')) {
      const plus = lineAt(text, pos) ?? '';
      if (plus.startsWith('+++ ') && HUNK_HEADER.test(lineAt(text, nextLineStart(text, pos)) ?? '')) {
        const section = open(null);
        section.minus = line;
        section.plus = plus;
        pos = nextLineStart(text, pos);
        state = State.Header;
      }
    }
  }
  if (state === State.Hunk && current !== null) {
    endShort();
    again = false;
  }
  return sections;
}

function isHunkBodyLine(line: string): boolean {
  return line.length === 0 || line[0] === ' ' || line[0] === '+' || line[0] === '-' || line[0] === '\\';
}

/** A diff line right after a complete hunk (not a signature, not the next file's header). */
function isStrayChange(line: string, next: string): boolean {
  if (line.startsWith(' ')) return line.trim().length > 0;
  if (line.startsWith('+')) return !line.startsWith('+++ ');
  if (!line.startsWith('-')) return false;
  if (line === '-- ' || line === '--' || line.startsWith('---')) return false;
  return !(line.startsWith('--- ') && next.startsWith('+++ '));
}

/**
 * The first line of the section's body (the `---`/`+++` pair, then the hunks' lines; the
 * hunk headers never match) that starts with `prefix`: without the pair a deleted line
 * `--- x` names the old file, as it always has.
 */
function firstBodyLine(text: string, section: Section, pair: string | null, prefix: string): string | undefined {
  if (section.minus !== null) return pair ?? undefined;
  for (const { spans } of section.hunks) {
    for (let i = 0; i < spans.length; i += 2) {
      const start = spans[i]!;
      const end = spans[i + 1]!;
      if (end - start >= prefix.length && text.startsWith(prefix, start)) return text.slice(start, end);
    }
  }
  return undefined;
}

function sectionToFile(text: string, section: Section): { file: FileDiff; header: string } {
  // The `diff --git` and `index` lines (most sections have no other) start with no prefix
  // looked for here.
  let extended: string[] | null = null;
  for (const line of section.headers) if (!line.startsWith('diff --git ') && !line.startsWith('index ')) (extended ??= []).push(line);
  const header = (prefix: string): string | undefined => {
    const found = extended?.find((h) => h.startsWith(prefix));
    return found === undefined ? undefined : found.slice(prefix.length);
  };
  const minus = firstBodyLine(text, section, section.minus, '--- ');
  const plus = firstBodyLine(text, section, section.plus, '+++ ');
  const gitPaths = section.git ? pathsFromDiffGitLine(section.headers[0] ?? '') : null;

  let oldPath: string | null = header('rename from ') ?? header('copy from ') ?? (minus ? pathFromMinusPlus(minus.slice(4), 'a/') : null) ?? gitPaths?.old ?? null;
  let newPath: string | null = header('rename to ') ?? header('copy to ') ?? (plus ? pathFromMinusPlus(plus.slice(4), 'b/') : null) ?? gitPaths?.new ?? null;
  const isNew = header('new file mode ') !== undefined || oldPath === null;
  const isDeleted = header('deleted file mode ') !== undefined || newPath === null;
  if (header('new file mode ') !== undefined) oldPath = null;
  if (header('deleted file mode ') !== undefined) newPath = null;
  if (oldPath === null && newPath === null && gitPaths) {
    oldPath = gitPaths.old;
    newPath = gitPaths.new;
  }

  let status: FileStatus = 'modified';
  if (header('rename from ') !== undefined) status = 'renamed';
  else if (header('copy from ') !== undefined) status = 'copied';
  else if (isNew && !isDeleted) status = 'added';
  else if (isDeleted && !isNew) status = 'deleted';

  const counted = { additions: 0, deletions: 0 };
  const hunks = readHunks(text, section.hunks, counted);
  const similarity = header('similarity index ');
  const file: FileDiff = {
    path: newPath ?? oldPath ?? '',
    oldPath,
    newPath,
    status,
    binary: section.binary,
    additions: counted.additions,
    deletions: counted.deletions,
    hunks,
    ...(header('old mode ') !== undefined || header('deleted file mode ') !== undefined
      ? { oldMode: header('old mode ') ?? header('deleted file mode ') }
      : {}),
    ...(header('new mode ') !== undefined || header('new file mode ') !== undefined
      ? { newMode: header('new mode ') ?? header('new file mode ') }
      : {}),
    ...(similarity !== undefined ? { similarity: Number.parseInt(similarity, 10) } : {}),
  };
  return { file, header: section.headers[0] ?? section.minus ?? '' };
}

/**
 * The model's hunks, one per hunk header, numbered from each header's start lines and counted
 * with the lines the splitter kept for it (its `oldLines`/`newLines`); `\ No newline` lines are
 * no lines of the file, wherever they stand. Two things that parse-diff, which read these
 * hunks before, got wrong are no longer done:
 * - a hunk left with no line (`@@ -1,0 +1,0 @@`, counts that ended before its first line, or
 *   only a `\` line) took every later hunk of the file as its lines, each later header read as
 *   a context line; now it is an empty hunk, as it already was when last in its file (the
 *   splitter reports the counts that ended early, as for any other hunk);
 * - two `\` lines right after a header threw a TypeError; now both are ignored.
 */
function readHunks(text: string, raw: readonly RawHunk[], counted: { additions: number; deletions: number }): Hunk[] {
  const hunks: Hunk[] = [];
  for (const chunk of raw) {
    const spans = chunk.spans;
    const context = chunk.rest.charCodeAt(0) === 32 ? chunk.rest.slice(1) : chunk.rest;
    const reader: LineReader = { oldLine: Number(chunk.oldStart), newLine: Number(chunk.newStart), scope: scopeFromHunkContext(context), lines: [], counted };
    for (let i = 0; i < spans.length; i += 2) readLine(reader, text, spans[i]!, spans[i + 1]!);
    hunks.push({
      oldStart: Number(chunk.oldStart),
      oldLines: chunk.oldCount,
      newStart: Number(chunk.newStart),
      newLines: chunk.newCount,
      context,
      lines: reader.lines,
    });
  }
  return hunks;
}

interface LineReader {
  oldLine: number;
  newLine: number;
  scope: string | undefined;
  readonly lines: DiffLine[];
  readonly counted: { additions: number; deletions: number };
}

/** One hunk line (`source` from `start` to `end`, with its marker) into the model, following the C scope it sits in. */
function readLine(reader: LineReader, source: string, start: number, end: number): void {
  const marker = end > start ? source.charCodeAt(start) : -1;
  if (marker === 92) return; // "\ No newline at end of file"
  const text = source.slice(start + 1, end);
  let scope = reader.scope;
  let after = scope;
  // The closing brace still belongs to the scope it closes.
  if (closesScope(text)) after = undefined;
  else {
    const opened = scopeOpenedBy(text);
    if (opened !== null) scope = after = opened;
  }
  reader.scope = after;
  let line: DiffLine;
  if (marker === 43) {
    reader.counted.additions++;
    const newLine = reader.newLine++;
    line = scope === undefined ? { kind: 'add', text, newLine } : { kind: 'add', text, newLine, func: scope };
  } else if (marker === 45) {
    reader.counted.deletions++;
    const oldLine = reader.oldLine++;
    line = scope === undefined ? { kind: 'del', text, oldLine } : { kind: 'del', text, oldLine, func: scope };
  } else {
    const oldLine = reader.oldLine++;
    const newLine = reader.newLine++;
    line = scope === undefined ? { kind: 'context', text, oldLine, newLine } : { kind: 'context', text, oldLine, newLine, func: scope };
  }
  reader.lines.push(line);
}

/** `diff --git a/x b/x`: both paths, exact when they are equal (the common case). */
export function pathsFromDiffGitLine(line: string): { old: string; new: string } | null {
  const rest = line.slice('diff --git '.length);
  if (rest.startsWith('"')) {
    const match = /^("(?:[^"\\]|\\.)*")\s+("(?:[^"\\]|\\.)*"|\S.*)$/.exec(rest);
    if (!match?.[1] || !match[2]) return null;
    return { old: stripPrefix(unquoteC(match[1]), 'a/'), new: stripPrefix(unquoteC(match[2]), 'b/') };
  }
  // Unquoted "a/P b/P": when old and new are the same path, P is exactly half of the rest.
  const half = (rest.length - 1) / 2;
  if (Number.isInteger(half)) {
    const left = rest.slice(0, half);
    const right = rest.slice(half + 1);
    if (left.startsWith('a/') && right.startsWith('b/') && left.slice(2) === right.slice(2)) {
      return { old: left.slice(2), new: right.slice(2) };
    }
  }
  const split = rest.indexOf(' b/');
  if (split < 0) return null;
  return { old: stripPrefix(rest.slice(0, split), 'a/'), new: rest.slice(split + 3) };
}

function pathFromMinusPlus(value: string, prefix: string): string | null {
  // `--- a/path\t2024-01-01 12:00:00` (diff -u adds a timestamp after a tab)
  const tab = value.indexOf('\t');
  let path = (tab < 0 ? value : value.slice(0, tab)).trimEnd();
  if (path === '/dev/null') return null;
  if (path.startsWith('"')) path = unquoteC(path);
  return stripPrefix(path, prefix);
}

function stripPrefix(path: string, prefix: string): string {
  return path.startsWith(prefix) ? path.slice(prefix.length) : path;
}

/** Undoes git's C-style path quoting (`"a/caf\303\251.c"`). */
export function unquoteC(quoted: string): string {
  const inner = quoted.replace(/^"|"$/g, '');
  const bytes: number[] = [];
  const simple: Record<string, number> = { n: 10, t: 9, r: 13, '"': 34, '\\': 92, a: 7, b: 8, f: 12, v: 11 };
  for (let i = 0; i < inner.length; i++) {
    const ch = inner[i] ?? '';
    if (ch === '\\' && i + 1 < inner.length) {
      const next = inner[i + 1] ?? '';
      const octal = /^[0-7]{3}/.exec(inner.slice(i + 1));
      if (octal) {
        bytes.push(Number.parseInt(octal[0], 8));
        i += 3;
        continue;
      }
      const code = simple[next];
      if (code !== undefined) {
        bytes.push(code);
        i++;
        continue;
      }
    }
    for (const b of Buffer.from(ch, 'utf8')) bytes.push(b);
  }
  return Buffer.from(bytes).toString('utf8');
}
