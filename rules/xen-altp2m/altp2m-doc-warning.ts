import type { Report, Rule } from '../../src/engine/rule.js';
import type { DiffLine, Hunk } from '../../src/diff/model.js';
import type { Patch } from '../../src/ingest/patch.js';
import { addedLines, hunkFacts, postImage, preImage, proseOf, seriesFiles } from '../../src/diff/queries.js';
import { numericDefine } from '../../src/diff/c-lines.js';
import { isXlCfgDoc } from './paths.js';
import { MIXED_UNEVALUATED, NOT_EVALUATED, WARNING_CONCEPTS, WARNING_HINT, WHERE, conceptsIn, type WarningConceptId } from './policy.js';

/** What every finding on a new place of 'mixed' mode asks for. */
const NEEDS_WARNING = `P3: any new place that defines or documents 'mixed' mode carries the warning that ${MIXED_UNEVALUATED}. Add that note here (see ${WHERE}).`;

/**
 * P3: the warnings stay. Judged on meaning, not on line text: the comment is folded to prose
 * (comment markers, line breaks and white space gone) and searched for the three things the
 * warning says (policy.ts WARNING_CONCEPTS), before and after each hunk.
 */
export const altp2mDocWarning: Rule = {
  id: 'altp2m-doc-warning',
  meta: {
    severity: 'error',
    messages: {
      lost:
        `This removes or weakens the altp2m safety warning: the post-image no longer says that {{concepts}}. ` +
        `P3 says this warning must stay: ${MIXED_UNEVALUATED}. Keep the paragraph (rewording is fine if the meaning stays), see ${WHERE}.`,
      moved: {
        text: `The altp2m safety warning moved from {{from}} to {{to}} in this series ("{{concepts}}"). That keeps P3, provided the new place is where 'mixed' mode is defined (see ${WHERE}).`,
        severity: 'info',
      },
      mixedDefine: `New definition of altp2m 'mixed' mode ({{name}}) without the safety warning. ${NEEDS_WARNING}`,
      guestModeDefine: `New altp2m mode {{name}}, which lets the guest itself use the altp2m interface as 'mixed' mode does, without the safety warning. ${NEEDS_WARNING}`,
      mixedXlCfg: `New xl.cfg documentation of altp2m="mixed" without the safety warning. ${NEEDS_WARNING}`,
      guestModeXlCfg: `New xl.cfg documentation of altp2m="{{mode}}", a mode that lets the guest itself use the altp2m interface as 'mixed' mode does, without the safety warning. ${NEEDS_WARNING}`,
    },
  },
  summary: "a P3 safety warning on 'mixed' mode removed or weakened, or 'mixed' mode newly defined/documented without it",
  docs: `
Why: P3. The comment above do_altp2m_op() and the note next to the definition of 'mixed' mode
(params.h, since 2024 domctl.h) say that mixed mode has not been evaluated for safety, that each
subop must be evaluated before use in a security-critical environment, and that unsafe ones
are blacklisted in XSM. They must not disappear, and any new place that defines or documents
mixed mode carries the same warning.

Fires (error): a hunk whose pre-image says one of those three things and whose post-image no
longer does, unless the same file gains it back elsewhere in the series; a new
\`#define …ALTP2M_mixed\` or new xl.cfg documentation of altp2m="mixed" whose surroundings do
not carry the warning. In xl.cfg every added value item counts, wherever it stands in the added
text (\`=item B<altp2m=MODE>\` followed by \`=item B<"mixed">\` further down). A new mode by
another name counts as mixed when its description lets the guest itself use the interface
(\`#define XEN_ALTP2M_shared 4\` listed as " shared: in-guest agents and external tools may both
use every op", or an \`=item B<shared>\` saying so): judged by meaning, not by name.
Fires (info): the warning disappears from one file and is added to another in the same series
(a move), whether or not that file is a watched one.

Silent: reflowing, whitespace, rewording that keeps the three meanings ("blacklisted in
xsm_hvm_altp2mhvm_op()" → "denied to the guest in XSM"); adding the warning; new
documentation of the disabled, external or limited modes, or of a new mode for external tools
only or whose guest access is narrowed to a few operations; xl.cfg items for other options
(\`altp2m_count=NUMBER\`), and a "mixed" value of another option (\`=item B<vpmu="MODE">\`
above it); a mode item or define that the series removes and adds back (edited or moved).
`,
  check(series, context) {
    const files = seriesFiles(series);
    // Prose the series adds, per file: where a lost warning may have gone. Built on first
    // need: most series that touch a watched file neither lose nor newly need a warning.
    let addedProseCache: Map<string, string> | undefined;
    const addedProse = (): Map<string, string> => {
      if (addedProseCache) return addedProseCache;
      addedProseCache = new Map();
      for (const { file } of files) addedProseCache.set(file.path, `${addedProseCache.get(file.path) ?? ''} ${proseOf(addedLines(file))}`);
      return addedProseCache;
    };

    const lost: { patch: Patch; path: string; concepts: WarningConceptId[]; lines: DiffLine[] }[] = [];
    // Mode defines and xl.cfg mode items the series removes: one added back is moved or edited.
    const removedModeDefines = new Set<string>();
    const removedItems = new Set<string>();
    for (const { file } of files) {
      for (const hunk of file.hunks) {
        const facts = hunkFacts(hunk);
        if (!facts.deletes || !MODE_HINT.test(facts.text)) continue;
        for (const line of hunk.lines) {
          if (line.kind !== 'del') continue;
          const name = modeDefine(line.text)?.[0];
          if (name) removedModeDefines.add(name);
          const item = isXlCfgDoc(file.path) ? valueItem(line.text) : null;
          if (item) removedItems.add(item);
        }
      }
    }
    for (const { patch, file } of files) {
      for (const hunk of file.hunks) {
        const facts = hunkFacts(hunk);
        if (!facts.deletes) continue;
        // The pre-image's prose matters only when it could pass the test below: most hunks of
        // code say none of WARNING_HINT's words on any line and are not folded to prose at all.
        if (!WARNING_HINT.test(facts.text) && !POD_MARKUP.test(facts.text)) continue;
        const beforeProse = proseOf(preImage(hunk));
        // Only the altp2m warning counts: other comments in XSM code may speak of denying things.
        // Prose about none of mixed mode, altp2m or subops counts only when it says "not
        // evaluated", so that is asked first there (the other two meanings need not be).
        if (!/\bmixed\b|altp2m|\bsubops?\b/.test(beforeProse) && !NOT_EVALUATED.test(beforeProse)) continue;
        const before = conceptsIn(beforeProse);
        if (before.size === 0) continue;
        const after = conceptsIn(proseOf(postImage(hunk)));
        const gone = [...before].filter((c) => !after.has(c));
        if (gone.length === 0) continue;
        // Back in the same file elsewhere in the series: moved within the file, silent.
        const sameFile = conceptsIn(addedProse().get(file.path) ?? '');
        const stillGone = gone.filter((c) => !sameFile.has(c));
        if (stillGone.length === 0) continue;
        lost.push({ patch, path: file.path, concepts: stillGone, lines: evidenceFor(hunk, stillGone) });
      }
    }
    // Where a lost warning may have gone: the series' other files, watched or not (moving the
    // note out of the watched paths, say into docs/misc/ or xen/arch/x86/mm/altp2m.c, still
    // keeps it). The unwatched ones are read only when something was lost.
    let elsewhereCache: Map<string, string> | undefined;
    const elsewhere = (): Map<string, string> => {
      if (elsewhereCache) return elsewhereCache;
      elsewhereCache = new Map(addedProse());
      for (const { file } of context.unwatchedFiles?.() ?? []) elsewhereCache.set(file.path, `${elsewhereCache.get(file.path) ?? ''} ${proseOf(addedLines(file))}`);
      return elsewhereCache;
    };
    for (const loss of lost) {
      const movedTo = [...elsewhere()].filter(([path, prose]) => path !== loss.path && loss.concepts.every((c) => conceptsIn(prose).has(c))).map(([p]) => p);
      const first = loss.lines[0];
      const labels = loss.concepts.map((c) => WARNING_CONCEPTS.find((k) => k.id === c)?.label ?? c);
      // Moved to another file of the series: a note, not a loss.
      const kind = movedTo.length > 0 ? 'moved' : 'lost';
      context.report({
        messageId: kind,
        data: kind === 'moved' ? { from: loss.path, to: movedTo.join(', '), concepts: labels.join('"; "') } : { concepts: labels.join('; that ') },
        path: loss.path,
        line: first ?? 0,
        side: 'old',
        evidence: loss.lines.map((l) => l.text),
        anchor: loss.patch.message.id,
        subject: `${kind}:${loss.concepts.join(',')}`,
      });
    }

    for (const { patch, file } of files) {
      for (const hunk of file.hunks) {
        // Whether the warning is at hand: asked only of a hunk that defines or documents 'mixed'.
        let warnedCache: boolean | undefined;
        const warned = (): boolean =>
          (warnedCache ??= conceptsIn(proseOf(postImage(hunk))).has('not-evaluated') || conceptsIn(addedProse().get(file.path) ?? '').has('not-evaluated'));
        if (hunkFacts(hunk).text.includes('ALTP2M_')) {
          const post = postImage(hunk);
          post.forEach((line, i) => {
            if (line.kind !== 'add') return;
            const [name, mode] = modeDefine(line.text) ?? [];
            if (!name || !mode || removedModeDefines.has(name) || !guestMode(mode, () => modeDescription(post, i, mode)) || warned()) return;
            context.report(newMixed(patch, file.path, line, mode === 'mixed' ? 'mixedDefine' : 'guestModeDefine', { name }));
          });
        }
        if (isXlCfgDoc(file.path)) {
          const doc = mixedDocAdded(hunk, removedItems);
          if (doc && !warned()) {
            context.report(newMixed(patch, file.path, doc.line, doc.mode === 'mixed' ? 'mixedXlCfg' : 'guestModeXlCfg', { mode: doc.mode }));
          }
        }
      }
    }
  },
};

/** A mode value: `#define XEN_ALTP2M_mixed 1`, `#define XEN_DOMCTL_ALTP2M_mixed (1U)`. */
const MODE_NAME = /^XEN_(?:DOMCTL_)?ALTP2M_([a-z]\w*)$/;

/** A mode define's name and mode (`XEN_ALTP2M_mixed`, `mixed`). */
function modeDefine(text: string): [name: string, mode: string] | undefined {
  const name = numericDefine(text);
  const mode = name === undefined ? undefined : MODE_NAME.exec(name)?.[1];
  return name !== undefined && mode !== undefined ? [name, mode] : undefined;
}
/** What a line holding a mode define or an xl.cfg mode item contains: a cheap test first. */
const MODE_HINT = /ALTP2M_|=item/;
/** The modes that do not let the guest use the interface freely: disabled, external, limited. */
const NON_GUEST_MODES = new Set(['disabled', 'external', 'limited']);

/**
 * Whether a mode lets the guest itself use the altp2m interface as 'mixed' does: mixed by name,
 * or a new mode whose description says the guest (an in-guest agent) may use it, without
 * narrowing that to a few operations as 'limited' does.
 */
function guestMode(mode: string, description: () => string): boolean {
  if (mode === 'mixed') return true;
  if (NON_GUEST_MODES.has(mode) || /mask$|^mode$/.test(mode)) return false;
  const prose = description();
  return GUEST_USE.test(prose) && !NARROWED.test(prose);
}

const GUEST_USE =
  /\bin-guest\b|\bin guest\b|\b(?:inside|within|from) the guest\b|\bguest itself\b|\bthe guest (?:can|may|is (?:allowed|able|permitted))\b|\bguests? (?:access|agents?|tools|software|kernels?|drivers?)\b|\b(?:to|for|by) (?:the )?guest\b(?! only)|\bboth\b[^.]{0,40}\bguest/;
const NARROWED = /\blimited\b|\bwhitelist\w*|\bonly\b[^.]{0,40}\b(?:vmfunc|#ve|enable|disable|notif\w*)|\bno (?:in-guest|guest) access\b|\bnot (?:available |accessible )?(?:to|by|from) the guest\b/;

/**
 * What a mode define's comments say of it: its own comment lines right above it and on its
 * line (domctl.h: one comment per define), and a `<mode>: …` entry of a mode list in a comment
 * of the hunk (params.h: one list above all the defines).
 */
function modeDescription(post: readonly DiffLine[], index: number, mode: string): string {
  const lines: string[] = [post[index]!.text.replace(/^[^/]*/, '')];
  for (let i = index - 1; i >= 0 && /^\s*(?:\/\*|\*|\/\/)/.test(post[i]!.text); i--) lines.unshift(post[i]!.text);
  const entry = new RegExp(`^\\s*\\*\\s*"?${mode}"?\\s*:`);
  const at = post.findIndex((l) => entry.test(l.text));
  if (at >= 0) {
    lines.push(post[at]!.text.replace(/^\s*\*\s*"?\w+"?\s*:/, ''));
    for (let i = at + 1; i < post.length && /^\s*\*\s{2,}\S/.test(post[i]!.text) && !/^\s*\*\s*"?\w+"?\s*:/.test(post[i]!.text); i++) lines.push(post[i]!.text);
  }
  return proseOf(lines);
}
/** Where POD markup (`B<…>`) starts: taking it away may join words of a line to the next. */
const POD_MARKUP = /[A-Z]</;

function newMixed(patch: Patch, path: string, line: DiffLine, messageId: string, data: Record<string, string>): Report {
  return {
    messageId,
    data,
    path,
    line,
    side: 'new',
    anchor: patch.message.id,
    subject: `new:${line.text.trim()}`,
  };
}

/** The deleted lines that carried the lost meanings (the whole removed block when unsure). */
function evidenceFor(hunk: Hunk, gone: readonly WarningConceptId[]): DiffLine[] {
  const removed = hunk.lines.filter((l) => l.kind === 'del');
  const patterns = WARNING_CONCEPTS.filter((c) => gone.includes(c.id)).map((c) => c.pattern);
  // The removed text's prose, mapped back to its lines: the evidence (and the anchor) is the
  // text that said a lost meaning, not the blank comment lines or mode list around it.
  const spans: { line: DiffLine; start: number; end: number }[] = [];
  let prose = '';
  for (const line of removed) {
    const text = proseOf([line]);
    if (text === '') continue;
    if (prose !== '') prose += ' ';
    spans.push({ line, start: prose.length, end: prose.length + text.length });
    prose += text;
  }
  const carrying = new Set<DiffLine>();
  for (const pattern of patterns) {
    for (const m of prose.matchAll(new RegExp(pattern.source, `${pattern.flags.replace('g', '')}g`))) {
      for (const s of spans) if (s.start < m.index + m[0].length && s.end > m.index) carrying.add(s.line);
    }
  }
  const lines = removed.filter((l) => carrying.has(l));
  return (lines.length > 0 ? lines : removed).slice(0, 12);
}

/** The mode an xl.cfg value item names: `=item B<"mixed">`, `=item B<mixed>` (not `B<altp2m=MODE>`). */
function valueItem(text: string): string | null {
  return /^=item\s+B<(?:altp2m=)?"?([\w-]+)"?>\s*$/.exec(text.trim())?.[1]?.toLowerCase() ?? null;
}

/**
 * Added xl.cfg documentation of a mode that lets the guest use altp2m: a new value item
 * anywhere in the added text (`=item B<"mixed">`, or another mode whose paragraph says the guest
 * may use the interface), a new paragraph that names mixed mode, or one under an existing
 * `=item B<mixed>`. An item the series also removes is edited, not new; so is a paragraph of a
 * hunk that removes a line naming mixed mode.
 */
function mixedDocAdded(hunk: Hunk, removedItems: ReadonlySet<string>): { line: DiffLine; mode: string } | null {
  const post = postImage(hunk);
  const aboutAltp2m = /altp2m|alternate.p2m/i.test(hunk.context + ' ' + post.map((l) => l.text).join(' '));
  if (!aboutAltp2m) return null;
  for (const [i, line] of post.entries()) {
    const mode = line.kind === 'add' ? valueItem(line.text) : null;
    if (!mode || removedItems.has(mode)) continue;
    // A value of the altp2m option: the nearest option item above it (`=item B<altp2m=MODE>`)
    // is altp2m's, when the hunk shows one.
    const option = post.slice(0, i).reverse().find((l) => /^=item\s+B<[\w-]+=/.test(l.text));
    if (option && !/altp2m/i.test(option.text)) continue;
    // The item's paragraph: up to the next item or the end of the list.
    const paragraph: string[] = [];
    for (let j = i + 1; j < post.length && !/^=(?:item|back)\b/.test(post[j]!.text); j++) paragraph.push(post[j]!.text);
    if (guestMode(mode, () => proseOf(paragraph))) return { line, mode };
  }
  if (hunk.lines.some((l) => l.kind === 'del' && /\bmixed\b/i.test(l.text))) return null;
  const firstAdded = post.findIndex((l) => l.kind === 'add' && l.text.trim() !== '');
  if (firstAdded < 0) return null;
  const added = post.filter((l) => l.kind === 'add');
  // A new item documents whatever it names: `=item B<altp2m_count=NUMBER>` is not mixed mode.
  const ownItem = /^=item\s+B<([^>]+)>/.exec(post[firstAdded]!.text);
  if (ownItem) return null;
  const naming = added.find((l) => /\bmixed\b/i.test(l.text));
  if (naming) return { line: naming, mode: 'mixed' };
  // Nearest heading or paragraph above the addition.
  for (let i = firstAdded - 1; i >= 0; i--) {
    const text = post[i]!.text;
    const item = /^=item\s+B<([^>]+)>/.exec(text);
    if (item) return /mixed/i.test(item[1] ?? '') ? { line: post[firstAdded]!, mode: 'mixed' } : null;
    if (text.trim() !== '' && /\bmixed\b/i.test(text)) return { line: post[firstAdded]!, mode: 'mixed' };
    if (text.trim() === '' && i < firstAdded - 1) {
      // The paragraph above ended; it was not about mixed mode.
      const paragraph = post.slice(i + 1, firstAdded).map((l) => l.text).join(' ');
      return /\bmixed\b/i.test(paragraph) ? { line: post[firstAdded]!, mode: 'mixed' } : null;
    }
  }
  return null;
}
