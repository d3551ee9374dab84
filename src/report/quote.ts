import type { DiffLine, FileDiff, Hunk } from '../diff/model.js';
import type { Patch } from '../ingest/patch.js';
import type { Finding } from '../engine/finding.js';

/**
 * What a reply quotes of the diff for one finding, the way a reviewer trims a patch: whole C
 * statements and whole comment paragraphs, never a line cut from the middle of one.
 *
 * - a `#define` (with its `\` continuation lines): the directive;
 * - a struct/union/enum definition: from its opening line to its `};`;
 * - a member, a declaration, an assignment, a `case` label: the statement, over as many lines
 *   as it takes (an `if ( … )` and the statement it guards are one);
 * - a line of a comment: the paragraph it is in (up to the comment's ends or a blank line);
 *   for removed comment text (a safety warning deleted or reworded), the whole removed
 *   paragraph and the added lines that took its place.
 *
 * A finding with more evidence (a handler's case label and the lines doing altp2m work) adds
 * the statements of its other evidence lines while they fit in `budget` lines.
 */
export interface Quote {
  readonly file: FileDiff;
  /** The quoted lines with their diff markers (`+`, `-`, ` `), `null` for a gap (`[...]`). */
  readonly lines: readonly (string | null)[];
}

const MARKER = { add: '+', del: '-', context: ' ' } as const;

/** Lines of one statement past which the rest is left out (a long struct). */
const MAX_STATEMENT = 12;

export function quoteFinding(finding: Finding, patches: readonly Patch[], budget: number): Quote | null {
  for (const patch of patches) {
    for (const file of patch.diff.files) {
      if (file.path !== finding.path && file.newPath !== finding.path && file.oldPath !== finding.path) continue;
      const picked = pickIn(file, finding, budget);
      if (picked) return { file, lines: picked };
    }
  }
  return null;
}

function pickIn(file: FileDiff, finding: Finding, budget: number): (string | null)[] | null {
  const wanted = new Set(finding.evidence.map(normalize).filter((e) => e.length > 0));
  for (const hunk of file.hunks) {
    const side = sideImage(hunk, finding.side);
    // The finding's own line, else the first line of its evidence.
    let anchor = side.findIndex((i) => inRange(hunk.lines[i]!, finding));
    if (anchor < 0) anchor = side.findIndex((i) => hunk.lines[i]!.kind !== 'context' && wanted.has(normalize(hunk.lines[i]!.text)));
    if (anchor < 0) continue;
    const chosen = new Set<number>();
    const first = statementAt(hunk, side, anchor, finding.side);
    for (const i of first.slice(0, MAX_STATEMENT)) chosen.add(i);
    const cut = first.length > MAX_STATEMENT;
    // The rest of the evidence in this hunk, statement by statement, while the budget lasts.
    for (let k = anchor + 1; k < side.length && !cut; k++) {
      const line = hunk.lines[side[k]!]!;
      if (chosen.has(side[k]!) || line.kind === 'context' || !wanted.has(normalize(line.text))) continue;
      const more = statementAt(hunk, side, k, finding.side).filter((i) => !chosen.has(i));
      if (linesOf(hunk, new Set([...chosen, ...more])).length > budget) break;
      for (const i of more) chosen.add(i);
    }
    const out = linesOf(hunk, chosen);
    // A statement cut short: say so (evidence left out at the end is trimmed as a reviewer does).
    if (cut) out.push(null);
    return out;
  }
  return null;
}

/** The chosen lines in hunk order, with a gap mark where more than one line is left out. */
function linesOf(hunk: Hunk, chosen: ReadonlySet<number>): (string | null)[] {
  const sorted = [...chosen].sort((a, b) => a - b);
  const out: (string | null)[] = [];
  let previous = -1;
  for (const i of sorted) {
    if (previous >= 0 && i - previous === 2) out.push(quoteText(hunk.lines[i - 1]!));
    else if (previous >= 0 && i - previous > 2) out.push(null);
    out.push(quoteText(hunk.lines[i]!));
    previous = i;
  }
  return out;
}

function quoteText(line: DiffLine): string {
  return `${MARKER[line.kind]}${line.text}`;
}

/** Indices (into hunk.lines) of the lines of one side: the pre-image (old) or post-image (new). */
function sideImage(hunk: Hunk, side: Finding['side']): number[] {
  const out: number[] = [];
  hunk.lines.forEach((line, i) => {
    if (side === 'old' ? line.kind !== 'add' : line.kind !== 'del') out.push(i);
  });
  return out;
}

function inRange(line: DiffLine, finding: Finding): boolean {
  if (finding.line <= 0) return false;
  const n = finding.side === 'old' ? line.oldLine : line.newLine;
  return n !== undefined && n >= finding.line && n <= (finding.endLine ?? finding.line);
}

function normalize(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * The hunk-line indices of the statement or comment paragraph that side line `k` is in; for
 * removed comment text also the added lines that replaced it.
 */
function statementAt(hunk: Hunk, side: readonly number[], k: number, which: Finding['side']): number[] {
  const text = (j: number): string => hunk.lines[side[j]!]!.text;
  const span = inComment(hunk, side, k) ? paragraphSpan(side.length, text, k) : codeSpan(side.length, text, k);
  const out = span.map((j) => side[j]!);
  if (which === 'old' && out.some((i) => hunk.lines[i]!.kind === 'del')) {
    // The added lines of the same change: what took the removed text's place.
    const last = Math.max(...out);
    for (let i = last + 1; i < hunk.lines.length && hunk.lines[i]!.kind !== 'context'; i++) if (hunk.lines[i]!.kind === 'add') out.push(i);
    const firstDel = Math.min(...out.filter((i) => hunk.lines[i]!.kind === 'del'));
    for (let i = firstDel; i <= last; i++) if (hunk.lines[i]!.kind === 'add') out.push(i);
  }
  return [...new Set(out)].sort((a, b) => a - b);
}

/** Whether side line `k` is comment text: inside `/* … *\/` (as far as the hunk shows) or `//`. */
function inComment(hunk: Hunk, side: readonly number[], k: number): boolean {
  const text = hunk.lines[side[k]!]!.text;
  if (/^\s*(?:\/\*|\/\/|\*(?:\s|\/|$))/.test(text)) return true;
  // A comment's middle line without a leading star: look for an unclosed opener above.
  for (let j = k - 1; j >= 0; j--) {
    const above = hunk.lines[side[j]!]!.text;
    if (above.includes('*/')) return false;
    if (above.includes('/*')) return true;
  }
  return false;
}

const COMMENT_OPEN = /^\s*\/\*/;
const COMMENT_CLOSE = /\*\/\s*$/;
/** A comment line with no text: ` *`, `//`, a lone opener or closer, or an empty line. */
const BLANK_COMMENT = /^\s*(?:\*|\/\/|\/\*+|\*+\/)?\s*$/;

/** The comment paragraph around line k: to the comment's ends or a blank comment line. */
function paragraphSpan(n: number, text: (j: number) => string, k: number): number[] {
  let start = k;
  while (start > 0 && !COMMENT_OPEN.test(text(start)) && !BLANK_COMMENT.test(text(start - 1)) && !COMMENT_CLOSE.test(text(start - 1))) start--;
  let end = k;
  while (end < n - 1 && !COMMENT_CLOSE.test(text(end)) && !BLANK_COMMENT.test(text(end + 1)) && !COMMENT_OPEN.test(text(end + 1))) end++;
  // A line of comment markers alone is no part of the paragraph (unless the paragraph is it).
  while (end > start && BLANK_COMMENT.test(text(end))) end--;
  while (start < end && BLANK_COMMENT.test(text(start))) start++;
  return range(start, end);
}

const STRUCT_OPEN = /^\s*(?:typedef\s+)?(?:struct|union|enum)\b[^;()]*\{\s*(?:\/\*.*)?$/;

/** The C statement around line k (see the module comment). */
function codeSpan(n: number, text: (j: number) => string, k: number): number[] {
  const code = (j: number): string => text(j).replace(/\/\*.*?\*\/|\/\/.*$/g, '').trimEnd();
  if (/^\s*#/.test(text(k))) {
    let end = k;
    while (end < n - 1 && code(end).endsWith('\\')) end++;
    return range(k, end);
  }
  if (STRUCT_OPEN.test(text(k))) {
    let depth = 0;
    for (let j = k; j < n; j++) {
      for (const ch of code(j)) depth += ch === '{' ? 1 : ch === '}' ? -1 : 0;
      if (depth <= 0 && j > k) return range(k, j);
    }
    return range(k, n - 1);
  }
  const ends = (j: number): boolean => {
    const c = code(j);
    return c.trim() === '' || /[;{}]$/.test(c) || /^\s*(?:case\b.*|default\s*|\w+\s*):$/.test(c) || /^\s*#/.test(text(j));
  };
  let start = k;
  while (start > 0 && !ends(start - 1) && !COMMENT_CLOSE.test(text(start - 1))) start--;
  let end = k;
  while (end < n - 1 && !ends(end)) end++;
  // A blank line ends a statement but is no part of it.
  if (end > k && code(end).trim() === '') end--;
  return range(start, end);
}

function range(start: number, end: number): number[] {
  const out: number[] = [];
  for (let i = start; i <= end; i++) out.push(i);
  return out;
}
