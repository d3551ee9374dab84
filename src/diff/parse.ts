import type { DiffLine, DiffModel, FileDiff, FileStatus, Hunk } from './model.js';
import { closesScope, scopeFromHunkContext, scopeOpenedBy } from './functions.js';
import { headerValue, sectionPaths, splitSections, type FileCount, type RawHunk, type Section } from './grammar.js';

/**
 * Turns the diff part of a patch into the diff model: the grammar (diff/grammar.ts) cuts it
 * into one section per file, keeping each hunk's lines, which become the model's lines here.
 * The text is read as UTF-8 (a lone surrogate, which has no UTF-8 form, reads as U+FFFD).
 */
export function parseDiff(text: string): DiffModel {
  // ASCII text (the common case) is its own UTF-8, one byte per character, and its own
  // decoding: its lines are sliced from it.
  return Buffer.byteLength(text, 'utf8') === text.length ? modelDiff(Buffer.from(text, 'latin1'), text) : modelDiff(Buffer.from(text, 'utf8'));
}

/** `parseDiff` of a diff's UTF-8 bytes; `ascii`, when given, is their text, one character per byte. */
export function modelDiff(bytes: Buffer, ascii?: string): DiffModel {
  const files: FileDiff[] = [];
  const problems: string[] = [];
  let unnamed: string[] | null = null;
  // The model mode never gives up.
  for (const section of splitSections(bytes, 'model', ascii)!) {
    const file = modelSection(bytes, section, ascii);
    for (const problem of section.problems) problems.push(`${file.path || '(no path)'}: ${problem}`);
    if (file.path !== '') files.push(file);
    // A `diff --git` line cut short (a truncated mail) names no file: reported (after the
    // other problems), not modelled.
    else (unnamed ??= []).push(`cannot read the file names of "${(section.headers[0] ?? section.minus ?? '').slice(0, 200)}"`);
  }
  if (unnamed !== null) problems.push(...unnamed);
  return problems.length > 0 ? { files, problems } : { files };
}

/**
 * The model of one counted file (diff/grammar.ts), from its own section of the diff's UTF-8
 * `bytes`: sections of a clean git diff are independent, and a section's bytes decoded are that
 * slice of the decoded diff (both end at line ends), so this is what the whole diff's model
 * says of the file. Null when the section does not model cleanly on its own.
 */
export function modelCounted(bytes: Buffer, file: FileCount): FileDiff | null {
  const model = modelDiff(bytes.subarray(file.start, file.end));
  const only = model.files[0];
  return model.files.length !== 1 || model.problems !== undefined || only === undefined ? null : only;
}

function modelSection(bytes: Buffer, section: Section, ascii: string | undefined): FileDiff {
  const header = (prefix: string): string | undefined => headerValue(section, prefix);
  const { path, oldPath, newPath } = sectionPaths(bytes, section);
  let status: FileStatus = 'modified';
  const isNew = header('new file mode ') !== undefined || oldPath === null;
  const isDeleted = header('deleted file mode ') !== undefined || newPath === null;
  if (header('rename from ') !== undefined) status = 'renamed';
  else if (header('copy from ') !== undefined) status = 'copied';
  else if (isNew && !isDeleted) status = 'added';
  else if (isDeleted && !isNew) status = 'deleted';
  const similarity = header('similarity index ');
  return {
    path,
    oldPath,
    newPath,
    status,
    binary: section.binary,
    additions: section.additions,
    deletions: section.deletions,
    hunks: readHunks(bytes, section, ascii),
    ...(header('old mode ') !== undefined || header('deleted file mode ') !== undefined
      ? { oldMode: header('old mode ') ?? header('deleted file mode ') }
      : {}),
    ...(header('new mode ') !== undefined || header('new file mode ') !== undefined
      ? { newMode: header('new mode ') ?? header('new file mode ') }
      : {}),
    ...(similarity !== undefined ? { similarity: Number.parseInt(similarity, 10) } : {}),
  };
}

/**
 * The model's hunks, one per hunk header, numbered from each header's start lines and counted
 * with the lines the splitter kept for it (its `oldLines`/`newLines`); `\ No newline` lines are
 * no lines of the file, wherever they stand. A hunk left with no line (`@@ -1,0 +1,0 @@`,
 * counts that ended before its first line, or only a `\` line) is an empty hunk, and two `\`
 * lines right after a header are both ignored.
 */
function readHunks(bytes: Buffer, section: Section, ascii: string | undefined): Hunk[] {
  const hunks: Hunk[] = [];
  if (section.hunks.length === 0) return hunks;
  let lineText: (start: number, end: number) => string;
  if (ascii !== undefined) lineText = (start, end) => ascii.slice(start, end);
  else {
    // The section decoded once; its lines are slices of it when every byte is one character
    // (then no character is longer or shorter than its bytes), else each line is decoded.
    const { start: base, end: limit } = section;
    const text = bytes.toString('utf8', base, limit);
    lineText = text.length === limit - base ? (start, end) => text.slice(start - base, end - base) : (start, end) => bytes.toString('utf8', start, end);
  }
  for (const chunk of section.hunks) hunks.push(readHunk(bytes, chunk, lineText));
  return hunks;
}

function readHunk(bytes: Buffer, chunk: RawHunk, lineText: (start: number, end: number) => string): Hunk {
  const spans = chunk.spans;
  const context = chunk.rest.charCodeAt(0) === 32 ? chunk.rest.slice(1) : chunk.rest;
  let oldLine = Number(chunk.oldStart);
  let newLine = Number(chunk.newStart);
  let scope = scopeFromHunkContext(context);
  const lines: DiffLine[] = [];
  for (let i = 0; i < spans.length; i += 2) {
    const start = spans[i]!;
    const end = spans[i + 1]!;
    const marker = end > start ? bytes[start] : -1;
    if (marker === 92) continue; // "\ No newline at end of file"
    const text = lineText(start + 1, end);
    let func = scope;
    // The closing brace still belongs to the scope it closes.
    if (closesScope(text)) scope = undefined;
    else {
      const opened = scopeOpenedBy(text);
      if (opened !== null) func = scope = opened;
    }
    let line: DiffLine;
    if (marker === 43) {
      const at = newLine++;
      line = func === undefined ? { kind: 'add', text, newLine: at } : { kind: 'add', text, newLine: at, func };
    } else if (marker === 45) {
      const at = oldLine++;
      line = func === undefined ? { kind: 'del', text, oldLine: at } : { kind: 'del', text, oldLine: at, func };
    } else {
      const old = oldLine++;
      const at = newLine++;
      line = func === undefined ? { kind: 'context', text, oldLine: old, newLine: at } : { kind: 'context', text, oldLine: old, newLine: at, func };
    }
    lines.push(line);
  }
  return { oldStart: Number(chunk.oldStart), oldLines: chunk.oldCount, newStart: Number(chunk.newStart), newLines: chunk.newCount, context, lines };
}
