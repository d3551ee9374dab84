/**
 * The diff grammar, in one place: what a file section of a diff looks like, where it starts
 * and ends, which of its lines are hunk lines, and which path names the file. Both readers of
 * a diff use it: `parseDiff` (diff/parse.ts) models every section, and the archive fast path
 * (ingest/fastpath.ts, ingest/bytepath.ts) counts the sections' lines without modelling
 * anything, then models on demand the few sections a rule will read.
 *
 * Raw shape (git format-patch; a plain `diff -u` has only the `---`/`+++` pair and hunks):
 *
 *     diff --git a/xen/arch/x86/hvm/hvm.c b/xen/arch/x86/hvm/hvm.c
 *     index 1c8a3b2..4f0e9d1 100644
 *     --- a/xen/arch/x86/hvm/hvm.c
 *     +++ b/xen/arch/x86/hvm/hvm.c
 *     @@ -4512,6 +4512,7 @@ static int do_altp2m_op(
 *          case HVMOP_altp2m_set_visibility:
 *     +    case HVMOP_altp2m_get_visibility:
 *              break;
 *
 * The splitter walks UTF-8 bytes, so the fast path never decodes a diff it only counts; the
 * few lines read as text (a file's header lines, hunk headers) are decoded first, so every
 * pattern sees what it would see in the decoded text. It honours hunk line counts, so a
 * trailing `-- ` signature or text after the last hunk is never counted. It has two modes:
 * - `model` reads anything: counts that lie, stray lines, a hunk cut off, a plain `diff -u`
 *   are recovered from and reported as problems of the section, and each hunk keeps where
 *   its lines are, for the model;
 * - `count` reads well-formed `git format-patch` diffs only and gives up (null) wherever
 *   `model` would recover or the input is ambiguous (a `-- ` line inside a hunk, a second
 *   `---` line that could open a later diffstat break, a plain `diff -u`), so its counts are
 *   those of `model` by construction: the same state machine, stopped early.
 */

export type SplitMode = 'count' | 'model';

/** A hunk as the splitter kept it (`model` mode). */
export interface RawHunk {
  /** The start numbers of the header, as written. */
  readonly oldStart: string;
  readonly newStart: string;
  /** The header after its second `@@`. */
  readonly rest: string;
  /**
   * Where the lines kept for it (`\` lines included) start and end in the bytes, without
   * their newline and CR: `[start, end, start, end, ...]`.
   */
  readonly spans: number[];
  /** How many of them are old/new lines (what the header should have said). */
  oldCount: number;
  newCount: number;
}

/** One file's section of a diff. */
export interface Section {
  /** Where its first line starts in the bytes. */
  readonly start: number;
  /** Where the next section starts, or the bytes end. */
  end: number;
  /** `diff --git` and git's extended header lines, or a `Binary files` line. */
  readonly headers: string[];
  /** Opened by a `diff --git` line (not by a plain `---`/`+++` pair). */
  readonly git: boolean;
  /** The `---`/`+++` pair before the first hunk, if any. */
  minus: string | null;
  plus: string | null;
  /** How many hunk headers it has; their lines are kept in `hunks` in `model` mode only. */
  hunkCount: number;
  readonly hunks: RawHunk[];
  /** Added and deleted lines of its hunks. */
  additions: number;
  deletions: number;
  binary: boolean;
  /** What did not add up in its hunks (`model` mode: reported, never thrown). */
  readonly problems: string[];
}

/** A file's counts, as the report lists it, and where its section is. */
export interface FileCount {
  /** As `FileDiff.path`: the new path, or the old one for a deletion. */
  readonly path: string;
  readonly oldPath: string | null;
  readonly additions: number;
  readonly deletions: number;
  readonly binary: boolean;
  /** Where the file's section starts and ends in the diff's UTF-8 bytes. */
  readonly start: number;
  readonly end: number;
}

const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;
const GIT_EXTENDED_HEADER =
  /^(?:old mode |new mode |deleted file mode |new file mode |copy from |copy to |rename from |rename to |rename old |rename new |similarity index |dissimilarity index |index )/;
const BINARY_FILES = /^Binary files .* differ$/;

const LF = 0x0a;
const CR = 0x0d;
const TAB = 0x09;
const SPACE = 0x20;
const PLUS = 0x2b;
const DASH = 0x2d;
const AT = 0x40;
const BACKSLASH = 0x5c;
const UPPER_B = 0x42;
const UPPER_G = 0x47;
const LOWER_D = 0x64;
const DIFF_GIT = Buffer.from('diff --git ');
const MINUS_LINE = Buffer.from('--- ');
const PLUS_LINE = Buffer.from('+++ ');
const GIT_BINARY = Buffer.from('GIT binary patch');
const NO_NEWLINE = Buffer.from('\\ No newline at end of file');

const enum State {
  Outside,
  Header,
  Hunk,
  Binary,
}

/**
 * Cuts a diff's UTF-8 bytes into per-file sections. In `count` mode: null when the diff is
 * not clean (see the top of this file). `ascii`, when given, is the bytes' text, one character
 * per byte: the lines read as text are sliced from it rather than decoded.
 */
export function splitSections(bytes: Buffer, mode: SplitMode, ascii?: string): Section[] | null {
  const strict = mode === 'count';
  const textOf = ascii === undefined ? (start: number, end: number): string => bytes.toString('utf8', start, end) : (start: number, end: number): string => ascii.slice(start, end);
  const length = bytes.length;
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
  /** The line being read: where it starts, ends (without CR), its LF (-1: none); where the next starts. */
  let start = 0;
  let end = 0;
  let newline = -1;
  let next = 0;
  /** Read the line again (in the state it changed to) instead of the next one. */
  let again = false;

  const open = (header: string | null): Section => {
    const section: Section = { start, end: length, headers: header === null ? [] : [header], git: header !== null, minus: null, plus: null, hunkCount: 0, hunks: [], additions: 0, deletions: 0, binary: false, problems: [] };
    sections.push(section);
    current = section;
    afterHunk = false;
    return section;
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
      if (next >= length) break;
      start = next;
      newline = bytes.indexOf(LF, start);
      end = newline < 0 ? length : newline;
      next = newline < 0 ? length : newline + 1;
      if (end > start && bytes[end - 1] === CR) end--;
    }
    // -1 for an empty line.
    const first = end > start ? bytes[start]! : -1;

    if (state === State.Hunk) {
      // The hot loop: every line of every hunk passes here once. An empty line is a context
      // line whose space a mailer stripped.
      const section = current!;
      if (first === BACKSLASH) {
        // `\ No newline at end of file`, in git's words only when counting (a translated
        // marker is left to the model).
        if (strict && !startsWithAt(bytes, NO_NEWLINE, start, end)) return null;
        hunk?.spans.push(start, end);
        continue;
      }
      if (first === DASH && end - start === 3 && bytes[start + 1] === DASH && bytes[start + 2] === SPACE) {
        // `-- `: a deleted line "- ", or the mail signature after a hunk whose counts are too
        // large (then the next line is the git version, no hunk line).
        if (strict) return null;
        if (!(oldLeft === 1 && newLeft <= 0) && !isHunkBodyLineAt(bytes, next)) {
          endShort();
          continue;
        }
      }
      if (first === SPACE || first === -1) {
        if (strict && (oldLeft === 0 || newLeft === 0)) return null;
        oldLeft--;
        newLeft--;
        if (hunk !== null) {
          hunk.oldCount++;
          hunk.newCount++;
        }
      } else if (first === DASH) {
        // A `---` line could open a later diffstat break (the last one wins): the model decides.
        if (strict && (oldLeft === 0 || (start > 0 && isDashBreak(bytes, start, newline)))) return null;
        oldLeft--;
        section.deletions++;
        if (hunk !== null) hunk.oldCount++;
      } else if (first === PLUS) {
        if (strict && newLeft === 0) return null;
        newLeft--;
        section.additions++;
        if (hunk !== null) hunk.newCount++;
      } else {
        // The hunk's counts lied (a truncated or hand-edited patch): it ends here.
        if (strict) return null;
        endShort();
        continue;
      }
      if (hunk !== null) {
        hunk.spans.push(start, end);
        if ((oldLeft < 0 || newLeft < 0) && !strayReported) {
          section.problems.push(`hunk "${hunkHeader}" has more ${oldLeft < 0 ? 'old' : 'new'} lines than its header counts (wrong line counts)`);
          strayReported = true;
        }
      }
      if (oldLeft <= 0 && newLeft <= 0) {
        state = State.Header;
        afterHunk = true;
      }
      continue;
    }

    // A later `---` line could start another format-patch diffstat break: the model decides.
    if (strict && first === DASH && start > 0 && isDashBreak(bytes, start, newline)) return null;
    if (first === LOWER_D && startsWithAt(bytes, DIFF_GIT, start, end)) {
      open(textOf(start, end));
      state = State.Header;
      continue;
    }
    if (state === State.Binary) continue;

    if (state === State.Header && current !== null) {
      const section: Section = current;
      const line = textOf(start, end);
      const match = first === AT ? HUNK_HEADER.exec(line) : null;
      if (match && (section.minus !== null || section.hunkCount > 0 || section.git)) {
        oldLeft = match[2] === undefined ? 1 : Number(match[2]);
        newLeft = match[4] === undefined ? 1 : Number(match[4]);
        // Every hunk of a clean git diff follows its file's ---/+++ pair, and has lines.
        if (strict && (section.minus === null || (oldLeft === 0 && newLeft === 0))) return null;
        section.hunkCount++;
        afterHunk = false;
        if (!strict) {
          hunkHeader = match[0];
          strayReported = false;
          hunk = { oldStart: match[1]!, newStart: match[3]!, rest: line.slice(match[0].length), spans: [], oldCount: 0, newCount: 0 };
          section.hunks.push(hunk);
        }
        state = oldLeft > 0 || newLeft > 0 ? State.Hunk : State.Header;
        continue;
      }
      if (afterHunk && (first === SPACE || first === PLUS || first === DASH)) {
        // A change line after a complete hunk: its counts were too small. The model skips and
        // reports it (a later hunk still counts); counting gives up on any such line.
        const stray = isStrayChange(bytes, start, end, first);
        if (strict && (stray || first !== DASH)) return null;
        if (stray) {
          if (!strayReported) section.problems.push(`hunk "${hunkHeader}" is followed by more diff lines than its header counts (wrong line counts); they are not counted`);
          strayReported = true;
          continue;
        }
      }
      if (section.hunkCount === 0) {
        if ((first === UPPER_G && startsWithAt(bytes, GIT_BINARY, start, end)) || (first === UPPER_B && BINARY_FILES.test(line))) {
          section.binary = true;
          section.headers.push(line);
          state = first === UPPER_G ? State.Binary : State.Outside;
          continue;
        }
        if (section.git && section.minus === null && GIT_EXTENDED_HEADER.test(line)) {
          section.headers.push(line);
          continue;
        }
        if (first === DASH && section.minus === null && startsWithAt(bytes, MINUS_LINE, start, end) && startsWithAt(bytes, PLUS_LINE, next, length)) {
          section.minus = line;
          const after = bytes.indexOf(LF, next);
          section.plus = textOf(next, lineEnd(bytes, next, after));
          next = after < 0 ? length : after + 1;
          continue;
        }
      }
      state = State.Outside; // e.g. the signature after a pure rename
    }

    // Outside any section: a plain (non-git) unified diff starts with a `---`/`+++` pair.
    if (first === DASH && startsWithAt(bytes, MINUS_LINE, start, end) && startsWithAt(bytes, PLUS_LINE, next, length)) {
      if (strict) return null;
      const after = bytes.indexOf(LF, next);
      const plusEnd = lineEnd(bytes, next, after);
      const third = after < 0 ? length : after + 1;
      if (HUNK_HEADER.test(textOf(third, lineEnd(bytes, third, bytes.indexOf(LF, third))))) {
        const section = open(null);
        section.minus = textOf(start, end);
        section.plus = textOf(next, plusEnd);
        next = third;
        state = State.Header;
      }
    }
  }
  if (state === State.Hunk && current !== null) {
    if (strict) return null; // cut off mid-hunk
    endShort();
  }
  for (let i = 0; i + 1 < sections.length; i++) sections[i]!.end = sections[i + 1]!.start;
  return sections;
}

/**
 * Per-file counts of a well-formed git diff's UTF-8 bytes, or null when the model must decide
 * (the counting mode of `splitSections`). Offsets in the result are offsets in `bytes`.
 */
export function countDiffBytes(bytes: Buffer): FileCount[] | null {
  const sections = splitSections(bytes, 'count');
  if (sections === null) return null;
  const files: FileCount[] = [];
  for (const section of sections) {
    const { path, oldPath } = sectionPaths(bytes, section);
    // No readable path (a `diff --git` line cut short): the model reports it, so it decides.
    if (path === '') return null;
    files.push({ path, oldPath, additions: section.additions, deletions: section.deletions, binary: section.binary, start: section.start, end: section.end });
  }
  return files;
}

/** `countDiffBytes` of a diff's text; null also when the text holds a lone surrogate (it has no UTF-8 form). */
export function countDiff(text: string): FileCount[] | null {
  const bytes = utf8Of(text);
  return bytes === null ? null : countDiffBytes(bytes);
}

/** The text as UTF-8, or null when it holds a lone surrogate (it would come back as U+FFFD). */
export function utf8Of(text: string): Buffer | null {
  return LONE_SURROGATE.test(text) ? null : Buffer.from(text, 'utf8');
}

const LONE_SURROGATE = /\p{Surrogate}/u;

/** A section's header line starting with `prefix`, without it. */
export function headerValue(section: Section, prefix: string): string | undefined {
  // The first header is the `diff --git` line, which no prefix asked for matches.
  for (let i = 1; i < section.headers.length; i++) {
    const header = section.headers[i]!;
    if (header.startsWith(prefix)) return header.slice(prefix.length);
  }
  return undefined;
}

/** How a section names its file. */
export interface SectionPaths {
  /** The new path, or the old one for a deletion; '' when the section names no file. */
  readonly path: string;
  readonly oldPath: string | null;
  readonly newPath: string | null;
}

/**
 * The paths of a section, as git's numstat names them: rename/copy headers first, then the
 * `---`/`+++` pair, then the `diff --git` line; a new file has no old path, a deleted one no
 * new path.
 */
export function sectionPaths(bytes: Buffer, section: Section): SectionPaths {
  const minus = bodyLine(bytes, section, section.minus, MINUS_LINE);
  const plus = bodyLine(bytes, section, section.plus, PLUS_LINE);
  const gitPaths = section.git ? pathsFromDiffGitLine(section.headers[0] ?? '') : null;
  let oldPath: string | null = headerValue(section, 'rename from ') ?? headerValue(section, 'copy from ') ?? (minus ? pathFromMinusPlus(minus.slice(4), 'a/') : null) ?? gitPaths?.old ?? null;
  let newPath: string | null = headerValue(section, 'rename to ') ?? headerValue(section, 'copy to ') ?? (plus ? pathFromMinusPlus(plus.slice(4), 'b/') : null) ?? gitPaths?.new ?? null;
  if (headerValue(section, 'new file mode ') !== undefined) oldPath = null;
  if (headerValue(section, 'deleted file mode ') !== undefined) newPath = null;
  if (oldPath === null && newPath === null && gitPaths) {
    oldPath = gitPaths.old;
    newPath = gitPaths.new;
  }
  return { path: newPath ?? oldPath ?? '', oldPath, newPath };
}

/**
 * The section's `---` (or `+++`) line: the pair before its hunks, else the first hunk line
 * that starts with it — without the pair a deleted line `--- x` names the old file, as it
 * always has (the hunk headers are no kept lines, so they never match).
 */
function bodyLine(bytes: Buffer, section: Section, pair: string | null, prefix: Buffer): string | undefined {
  if (section.minus !== null) return pair ?? undefined;
  for (const { spans } of section.hunks) {
    for (let i = 0; i < spans.length; i += 2) {
      const start = spans[i]!;
      const end = spans[i + 1]!;
      if (startsWithAt(bytes, prefix, start, end)) return bytes.toString('utf8', start, end);
    }
  }
  return undefined;
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

/** Whether `bytes[at, end)` starts with `prefix`. */
function startsWithAt(bytes: Buffer, prefix: Buffer, at: number, end: number): boolean {
  if (at + prefix.length > end) return false;
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
    if (c !== SPACE && c !== TAB && !(c === CR && at === newline - 1)) return false;
  }
  return true;
}

/** Whether the line starting at `at` can be a hunk line (empty, or a ` `/`+`/`-`/`\` one); false past the end. */
function isHunkBodyLineAt(bytes: Buffer, at: number): boolean {
  if (at >= bytes.length) return false;
  const c = bytes[at];
  if (c === LF || c === SPACE || c === PLUS || c === DASH || c === BACKSLASH) return true;
  // A line of only a CR is an empty line.
  return c === CR && (at + 1 === bytes.length || bytes[at + 1] === LF);
}

/**
 * Whether a ` `/`+`/`-` line right after a complete hunk is a change line its counts left out
 * (not blank, not the next file's `+++`, not a signature `-- `, `--` or a `---` line).
 */
function isStrayChange(bytes: Buffer, start: number, end: number, first: number): boolean {
  if (first === SPACE) {
    // Blank to JavaScript's trim() (ASCII whitespace; other blanks are rare enough to decode for).
    for (let at = start + 1; at < end; at++) {
      const c = bytes[at]!;
      if (c >= 0x80) return bytes.toString('utf8', start, end).trim().length > 0;
      if (c !== SPACE && c !== TAB && (c < 0x0a || c > 0x0d)) return true;
    }
    return false;
  }
  if (first === PLUS) return !startsWithAt(bytes, PLUS_LINE, start, end);
  // `-- `, `--` and `---...`
  const dashes = end - start >= 2 && bytes[start + 1] === DASH;
  return !(dashes && (end - start === 2 || bytes[start + 2] === DASH || (end - start === 3 && bytes[start + 2] === SPACE)));
}
