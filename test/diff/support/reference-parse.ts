/**
 * The oracle of test/diff/parse.equal.test.ts: the pre-optimisation parser, src/diff/parse.ts
 * and src/diff/functions.ts as of commit 4782173, which read the hunks through the parse-diff
 * package (kept as a devDependency for this file only). Copied verbatim but for the imports (the
 * two path readers, unchanged, come from src), the name `referenceParseDiff` and its helpers
 * no longer exported. Do not "fix" it: its
 * quirks are what the faster parser must reproduce.
 */
import parseDiffText from 'parse-diff';
import type { DiffLine, DiffModel, FileDiff, FileStatus, Hunk } from '../../../src/diff/model.js';
// The two path readers are unchanged in src and shared rather than copied: the oracle is about
// the section splitter and the hunk reading.
import { pathsFromDiffGitLine, unquoteC } from '../../../src/diff/parse.js';

/**
 * Turns the diff part of a patch into the diff model.
 *
 * The text is first cut into one section per file by a small state machine that knows git's
 * extended headers (rename/copy/mode/binary) and honours hunk line counts, so a trailing
 * `-- ` signature or text after the last hunk is never counted; parse-diff then reads the
 * hunks of each section.
 */
export function referenceParseDiff(text: string): DiffModel {
  const files = splitFileSections(text).map(sectionToFile);
  const problems = files.flatMap((f) => f.problems);
  // A `diff --git` line cut short (a truncated mail) names no file: reported, not modelled.
  for (const f of files) if (f.file.path === '') problems.push(`cannot read the file names of "${f.header.slice(0, 200)}"`);
  return { files: files.filter((f) => f.file.path !== '').map((f) => f.file), ...(problems.length > 0 ? { problems } : {}) };
}

interface Section {
  headers: string[];
  /** The `---`/`+++`/hunk lines, as parse-diff wants them. */
  body: string[];
  binary: boolean;
  hasHunks: boolean;
  /** What did not add up in this file's hunks (reported, never thrown). */
  problems: string[];
}

const NO_NEWLINE = '\\ No newline at end of file';
const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;
const GIT_EXTENDED_HEADER =
  /^(?:old mode |new mode |deleted file mode |new file mode |copy from |copy to |rename from |rename to |rename old |rename new |similarity index |dissimilarity index |index )/;

/** Cuts diff text into per-file sections. */
function splitFileSections(text: string): Section[] {
  const lines = text.split('\n');
  // The newline ending the text does not start another (empty) line.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const sections: Section[] = [];
  let current: Section | null = null;
  let state: 'outside' | 'header' | 'hunk' | 'binary' = 'outside';
  let oldLeft = 0;
  let newLeft = 0;
  let hunkHeader = '';
  /** Set once a hunk ends; a stray `+`/`-` line after it means its counts were too small. */
  let afterHunk = false;
  let strayReported = false;

  const open = (header: string | null): Section => {
    current = { headers: header === null ? [] : [header], body: [], binary: false, hasHunks: false, problems: [] };
    sections.push(current);
    afterHunk = false;
    return current;
  };
  const endShort = (): void => {
    current!.problems.push(`hunk "${hunkHeader}" ends ${Math.max(oldLeft, newLeft)} line(s) before its header says (wrong line counts or a truncated patch)`);
    state = 'header';
    afterHunk = true;
  };

  for (let i = 0; i < lines.length; i++) {
    const line = stripCR(lines[i] ?? '');
    if (state === 'hunk') {
      const marker = line.charCodeAt(0);
      // 32 ' ', 43 '+', 45 '-', 92 '\'; an empty line is a context line whose space a
      // mailer stripped.
      if (marker === 92) {
        current!.body.push(line);
        continue;
      }
      if (line === '-- ' && !(oldLeft === 1 && newLeft <= 0) && !isHunkBodyLine(stripCR(lines[i + 1] ?? 'x'))) {
        // The mail signature (`-- ` then the git version) after a hunk whose counts are too
        // large: not a deleted line "- ".
        endShort();
        i--;
        continue;
      }
      if (line.length === 0 || marker === 32) {
        oldLeft--;
        newLeft--;
      } else if (marker === 45) oldLeft--;
      else if (marker === 43) newLeft--;
      else {
        // The hunk's counts lied (a truncated or hand-edited patch): it ends here.
        endShort();
        i--;
        continue;
      }
      current!.body.push(line);
      if ((oldLeft < 0 || newLeft < 0) && !strayReported) {
        current!.problems.push(`hunk "${hunkHeader}" has more ${oldLeft < 0 ? 'old' : 'new'} lines than its header counts (wrong line counts)`);
        strayReported = true;
      }
      if (oldLeft <= 0 && newLeft <= 0) {
        state = 'header';
        afterHunk = true;
      }
      continue;
    }

    if (line.startsWith('diff --git ')) {
      open(line);
      state = 'header';
      continue;
    }
    if (state === 'binary') continue;

    if (state === 'header' && current !== null) {
      const section: Section = current;
      const hunk = HUNK_HEADER.exec(line);
      if (hunk && (section.body.length > 0 || isGitSection(section))) {
        oldLeft = hunk[2] === undefined ? 1 : Number(hunk[2]);
        newLeft = hunk[4] === undefined ? 1 : Number(hunk[4]);
        hunkHeader = hunk[0];
        strayReported = false;
        section.body.push(line);
        section.hasHunks = true;
        afterHunk = false;
        state = oldLeft > 0 || newLeft > 0 ? 'hunk' : 'header';
        continue;
      }
      if (afterHunk && isStrayChange(line, stripCR(lines[i + 1] ?? ''))) {
        // Counts too small: these lines are not counted, but a later hunk still is.
        if (!strayReported) section.problems.push(`hunk "${hunkHeader}" is followed by more diff lines than its header counts (wrong line counts); they are not counted`);
        strayReported = true;
        continue;
      }
      const hasHunks = section.hasHunks;
      if (!hasHunks) {
        if (line.startsWith('GIT binary patch') || /^Binary files .* differ$/.test(line)) {
          section.binary = true;
          section.headers.push(line);
          state = line.startsWith('GIT') ? 'binary' : 'outside';
          continue;
        }
        if (isGitSection(section) && section.body.length === 0 && GIT_EXTENDED_HEADER.test(line)) {
          section.headers.push(line);
          continue;
        }
        if (line.startsWith('--- ') && section.body.length === 0 && stripCR(lines[i + 1] ?? '').startsWith('+++ ')) {
          section.body.push(line, stripCR(lines[i + 1] ?? ''));
          i++;
          continue;
        }
      }
      state = 'outside';
    }

    // Outside any section: a plain (non-git) unified diff starts with a `---`/`+++` pair.
    if (line.startsWith('--- ') && stripCR(lines[i + 1] ?? '').startsWith('+++ ') && HUNK_HEADER.test(stripCR(lines[i + 2] ?? ''))) {
      const section = open(null);
      section.body.push(line, stripCR(lines[i + 1] ?? ''));
      i++;
      state = 'header';
    }
  }
  if (state === 'hunk' && current !== null) endShort();
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

function isGitSection(section: Section): boolean {
  return section.headers[0]?.startsWith('diff --git ') ?? false;
}

function stripCR(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

function sectionToFile(section: Section): { file: FileDiff; problems: string[]; header: string } {
  const header = (prefix: string): string | undefined => {
    const found = section.headers.find((h) => h.startsWith(prefix));
    return found === undefined ? undefined : found.slice(prefix.length);
  };
  const minus = section.body.find((l) => l.startsWith('--- '));
  const plus = section.body.find((l) => l.startsWith('+++ '));
  const gitPaths = isGitSection(section) ? pathsFromDiffGitLine(section.headers[0] ?? '') : null;

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

  const hunks = section.body.length > 0 ? readHunks(section.body) : [];
  let additions = 0;
  let deletions = 0;
  for (const hunk of hunks) {
    for (const line of hunk.lines) {
      if (line.kind === 'add') additions++;
      else if (line.kind === 'del') deletions++;
    }
  }
  const similarity = header('similarity index ');
  const file: FileDiff = {
    path: newPath ?? oldPath ?? '',
    oldPath,
    newPath,
    status,
    binary: section.binary,
    additions,
    deletions,
    hunks,
    ...(header('old mode ') !== undefined || header('deleted file mode ') !== undefined
      ? { oldMode: header('old mode ') ?? header('deleted file mode ') }
      : {}),
    ...(header('new mode ') !== undefined || header('new file mode ') !== undefined
      ? { newMode: header('new mode ') ?? header('new file mode ') }
      : {}),
    ...(similarity !== undefined ? { similarity: Number.parseInt(similarity, 10) } : {}),
  };
  return { file, problems: section.problems.map((p) => `${file.path || '(no path)'}: ${p}`), header: section.headers[0] ?? section.body[0] ?? '' };
}

function readHunks(body: string[]): Hunk[] {
  const parsed = parseDiffText(withActualCounts(body).join('\n'));
  const hunks: Hunk[] = [];
  for (const file of parsed) {
    for (const chunk of file.chunks) {
      const context = chunk.content.replace(/^@@[^@]*@@ ?/, '');
      let scope = scopeFromHunkContext(context);
      const lines: DiffLine[] = [];
      for (const change of chunk.changes) {
        const raw = change.content;
        if (raw.startsWith('\\')) continue; // "\ No newline at end of file"
        const text = raw.slice(1);
        if (closesScope(text)) {
          // The closing brace still belongs to the scope it closes.
          lines.push(toLine(change, text, scope));
          scope = undefined;
          continue;
        }
        const opened = scopeOpenedBy(text);
        if (opened !== null) scope = opened;
        lines.push(toLine(change, text, scope));
      }
      hunks.push({
        oldStart: chunk.oldStart,
        oldLines: chunk.oldLines,
        newStart: chunk.newStart,
        newLines: chunk.newLines,
        context,
        lines,
      });
    }
  }
  return hunks;
}

/**
 * The body with each hunk header's counts set to the lines the splitter kept for it, so that
 * parse-diff (which trusts the counts) reads exactly those lines even when the mail lied.
 */
function withActualCounts(body: string[]): string[] {
  // parse-diff reads a "\ No newline" marker as a copy of the change before it and throws
  // when there is none (right after the hunk header): such a marker marks no line, drop it.
  // GNU diff translates the marker ("\ Kein Zeilenumbruch am Dateiende."), and parse-diff
  // takes any other text for a context line: every `\` line becomes git's exact marker.
  const out = body
    .filter((line, i) => !(line.startsWith('\\') && (body[i - 1] ?? '').startsWith('@@')))
    .map((line) => (line.startsWith('\\') ? NO_NEWLINE : line));
  let header = -1;
  let oldCount = 0;
  let newCount = 0;
  const fix = (): void => {
    if (header < 0) return;
    const line = out[header] ?? '';
    out[header] = line.replace(HUNK_HEADER, (_m, oldStart: string, _o, newStart: string) => `@@ -${oldStart},${oldCount} +${newStart},${newCount} @@`);
  };
  for (let i = 0; i < out.length; i++) {
    const line = out[i] ?? '';
    if (line.startsWith('@@')) {
      fix();
      header = i;
      oldCount = 0;
      newCount = 0;
    } else if (header >= 0) {
      if (line.length === 0 || line[0] === ' ') {
        oldCount++;
        newCount++;
      } else if (line[0] === '-') oldCount++;
      else if (line[0] === '+') newCount++;
    }
  }
  fix();
  return out;
}

function toLine(change: parseDiffText.Change, text: string, func: string | undefined): DiffLine {
  const scope = func === undefined ? {} : { func };
  switch (change.type) {
    case 'add':
      return { kind: 'add', text, newLine: change.ln, ...scope };
    case 'del':
      return { kind: 'del', text, oldLine: change.ln, ...scope };
    default:
      return { kind: 'context', text, oldLine: change.ln1, newLine: change.ln2, ...scope };
  }
}

function pathFromMinusPlus(value: string, prefix: string): string | null {
  // `--- a/path\t2024-01-01 12:00:00` (diff -u adds a timestamp after a tab)
  let path = value.split('\t')[0] ?? '';
  path = path.trimEnd();
  if (path === '/dev/null') return null;
  if (path.startsWith('"')) path = unquoteC(path);
  return stripPrefix(path, prefix);
}

function stripPrefix(path: string, prefix: string): string {
  return path.startsWith(prefix) ? path.slice(prefix.length) : path;
}

// ---- src/diff/functions.ts as of commit 4782173 ----

/**
 * Which C scope (function, struct, union) a diff line sits in, as far as a hunk shows it.
 *
 * git puts the last line before the hunk that starts with a letter, `_` or `$` after the
 * second `@@` (its default funcname pattern), e.g. `@@ -4512,6 +4512,7 @@ static int
 * do_altp2m_op(`. Inside the hunk a new top-level definition can start, so the scope is
 * followed line by line.
 */

const FUNCTION_DEF =
  /^(?!(?:if|for|while|switch|return|else|do|case|goto|sizeof)\b)[A-Za-z_][\w\s*,()]*?\b([A-Za-z_]\w*)\s*\(/;
const AGGREGATE_DEF = /^(?:typedef\s+)?(struct|union|enum)\s+([A-Za-z_]\w*)\s*(?:\{.*)?$/;

/**
 * The scope a top-level line opens, or null when it opens none. A line ending in `;` is a
 * declaration or a statement, not a definition.
 */
function scopeOpenedBy(line: string): string | null {
  if (line.length === 0 || !/^[A-Za-z_$]/.test(line)) return null;
  const trimmed = line.trimEnd();
  if (trimmed.endsWith(';')) return null;
  const aggregate = AGGREGATE_DEF.exec(trimmed);
  if (aggregate) return `${aggregate[1]} ${aggregate[2]}`;
  const fn = FUNCTION_DEF.exec(trimmed);
  if (fn?.[1] && !/^[A-Z0-9_]+$/.test(fn[1])) return fn[1];
  // An all-caps name is a macro invocation (`DEFINE_PER_CPU(...)`) unless it is the
  // hunk context, where git only shows definitions; treat it as a scope too.
  if (fn?.[1]) return fn[1];
  return null;
}

/** True when a line at column 0 closes the current top-level scope (`}` or `};`). */
function closesScope(line: string): boolean {
  return /^\}/.test(line);
}

/** The scope named by a hunk header's context text. */
function scopeFromHunkContext(context: string): string | undefined {
  return scopeOpenedBy(context.trim()) ?? undefined;
}
