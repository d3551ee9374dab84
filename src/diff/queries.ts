/**
 * Questions rules ask of a series' diff model, so that no rule reads diff text itself.
 */
import type { DiffLine, FileDiff, Hunk } from './model.js';
import type { Patch } from '../ingest/patch.js';
import type { Series } from '../ingest/series.js';

export interface FileInPatch {
  readonly patch: Patch;
  readonly file: FileDiff;
}

/** Every file diff of the series, in patch order. */
export function seriesFiles(series: Series, match: (path: string) => boolean = () => true): FileInPatch[] {
  const out: FileInPatch[] = [];
  for (const patch of series.patches) for (const file of patch.diff.files) if (match(file.path)) out.push({ patch, file });
  return out;
}

/** Whether a file's new or old name matches (a rename out of a watched path still touches it). */
export function touchesPath(file: { readonly path: string; readonly oldPath: string | null }, match: (path: string) => boolean): boolean {
  return match(file.path) || (file.oldPath !== null && file.oldPath !== file.path && match(file.oldPath));
}

/** What a rule may ask of a hunk before reading its lines one by one. */
export interface HunkFacts {
  /** The texts of all its lines joined by newlines: whether any line says a word is one search. */
  readonly text: string;
  readonly adds: boolean;
  readonly deletes: boolean;
}

/**
 * The facts of a hunk, gathered once however many rules ask (a series' hunks are read by every
 * rule of a pack, and a pass over a hunk's lines costs more than a search of one string).
 */
export function hunkFacts(hunk: Hunk): HunkFacts {
  const known = factsOf.get(hunk);
  if (known) return known;
  const texts: string[] = [];
  let adds = false;
  let deletes = false;
  for (const line of hunk.lines) {
    texts.push(line.text);
    if (line.kind === 'add') adds = true;
    else if (line.kind === 'del') deletes = true;
  }
  const facts: HunkFacts = { text: texts.join('\n'), adds, deletes };
  factsOf.set(hunk, facts);
  return facts;
}

const factsOf = new WeakMap<Hunk, HunkFacts>();

/** The hunk as it was (context + deleted lines) and as it is (context + added lines). */
export function preImage(hunk: Hunk): DiffLine[] {
  return hunk.lines.filter((l) => l.kind !== 'add');
}

export function postImage(hunk: Hunk): DiffLine[] {
  return hunk.lines.filter((l) => l.kind !== 'del');
}

export function addedLines(file: FileDiff): DiffLine[] {
  return file.hunks.flatMap((h) => h.lines.filter((l) => l.kind === 'add'));
}

export function removedLines(file: FileDiff): DiffLine[] {
  return file.hunks.flatMap((h) => h.lines.filter((l) => l.kind === 'del'));
}

/** Line number on the line's own side: new for added/context lines, old for deleted ones. */
export function lineNumber(line: DiffLine): number {
  return (line.kind === 'del' ? line.oldLine : line.newLine) ?? 0;
}

/**
 * The line of the post-image nearest to the removed line `oldLine` of `file`: the line that
 * now follows the removal (the text that took its place), else the one before it, else the
 * hunk's position (`+N,0`: after line N). Undefined when no hunk removes that line.
 *
 *     @@ -10,4 +10,2 @@
 *      a           old 10, new 10
 *     -b           old 11  → 11 (c, the line now there)
 *     -c           old 12  → 11
 *      d           old 13, new 11
 */
export function postImageLineOf(file: FileDiff, oldLine: number): number | undefined {
  for (const hunk of file.hunks) {
    const at = hunk.lines.findIndex((l) => l.kind === 'del' && l.oldLine === oldLine);
    if (at < 0) continue;
    const after = hunk.lines.slice(at + 1).find((l) => l.newLine !== undefined)?.newLine;
    const before = hunk.lines.slice(0, at).findLast((l) => l.newLine !== undefined)?.newLine;
    return Math.max(1, after ?? before ?? hunk.newStart);
  }
  return undefined;
}

export function sideOf(line: DiffLine): 'new' | 'old' {
  return line.kind === 'del' ? 'old' : 'new';
}

/**
 * The C code of each line with comments blanked out, following `/* … *\/` blocks across the
 * lines given (one hunk image at a time: a block opened before the hunk is guessed from a
 * leading `*`).
 */
export function codeOnly(lines: readonly DiffLine[]): string[] {
  const out: string[] = [];
  let inBlock = false;
  for (const [i, line] of lines.entries()) {
    let text = line.text;
    if (i === 0 && /^\s*\*(?!\/)/.test(text)) inBlock = true;
    let code = '';
    let pos = 0;
    while (pos < text.length) {
      if (inBlock) {
        const end = text.indexOf('*/', pos);
        if (end < 0) {
          pos = text.length;
          break;
        }
        inBlock = false;
        pos = end + 2;
        continue;
      }
      const open = text.indexOf('/*', pos);
      const lineComment = text.indexOf('//', pos);
      if (lineComment >= 0 && (open < 0 || lineComment < open)) {
        code += text.slice(pos, lineComment);
        pos = text.length;
        break;
      }
      if (open < 0) {
        code += text.slice(pos);
        break;
      }
      code += text.slice(pos, open) + ' ';
      inBlock = true;
      pos = open + 2;
    }
    text = code;
    out.push(text);
  }
  return out;
}

/**
 * Prose of lines (comment markers, POD markup and white space folded away), lower-cased, so
 * that a reflowed comment reads the same as before.
 */
export function proseOf(lines: readonly DiffLine[] | readonly string[]): string {
  const parts: string[] = [];
  for (const l of lines) {
    let t = typeof l === 'string' ? l : l.text;
    // Each replace only where its marker is in the line at all (the same result, less work).
    if (MARKER_CHAR.test(t)) t = t.replace(LEADING_MARKER, ' ');
    if (t.includes('*/')) t = t.replace(TRAILING_CLOSE, ' ');
    parts.push(t);
  }
  let text = parts.join(' ');
  if (text.includes('<')) text = text.replace(/[A-Z]<([^>]*)>/g, '$1');
  return text.replace(/\s+/g, ' ').toLowerCase().trim();
}

const MARKER_CHAR = /[/*#]/;
const LEADING_MARKER = /^\s*(?:\/\*+|\*+\/|\*+|\/\/+|#+)/;
const TRAILING_CLOSE = /\*+\/\s*$/;

/** Identifiers matching a pattern on the given code lines. */
export function identifiersIn(code: readonly string[], pattern: RegExp): string[] {
  const flags = pattern.flags.includes('g') ? pattern.flags : pattern.flags + 'g';
  const global = new RegExp(pattern.source, flags);
  return code.flatMap((c) => [...c.matchAll(global)].map((m) => m[1] ?? m[0]));
}
