import fc from 'fast-check';
import parseDiffText from 'parse-diff';
import { describe, expect, it } from 'vitest';
import type { DiffModel } from '../../src/diff/model.js';
import { parseDiff } from '../../src/diff/parse.js';
import { countDiff } from '../../src/diff/grammar.js';
import { fcOptions } from '../fuzz/runs.js';
import { expectConsistent } from './support/consistent.js';

/**
 * parseDiff against an independent reader of well-formed diffs, the parse-diff package (it
 * honours hunk counts too): same files, paths, counts, hunks and numbered lines. What parse-diff
 * does not model (scopes, statuses, modes, binary files) and what only parseDiff reads (lying
 * counts, cut-off hunks, signatures in a hunk) are tested in parse.test.ts and the fuzz tests.
 */

type Line = { readonly kind: ' ' | '-' | '+'; readonly text: string };

const PATHS = ['xen/arch/x86/hvm/hvm.c', 'xen/include/public/domctl.h', 'xen/xsm/flask/hooks.c', 'tools/libs/ctrl/xc_altp2m.c', 'docs/man/xl.cfg.5.pod.in'];
// Texts that look like diff syntax on purpose: a deleted "- " line reads "-- " in the diff.
const TEXTS = ['', '    case HVMOP_altp2m_get_visibility:', '        break;', 'static int do_altp2m_op(', '}', '- ', '-- ', '--- a/x', '+++ b/x', '@@ -1 +1 @@', 'diff --git a/x b/x', 'From the SDM', '\tint rc;'];

const hunkLines = fc.array(fc.record({ kind: fc.constantFrom<Line['kind']>(' ', ' ', '-', '+'), text: fc.constantFrom(...TEXTS) }), { minLength: 1, maxLength: 12 });

const file = fc.record({
  path: fc.constantFrom(...PATHS),
  renamedTo: fc.option(fc.constantFrom(...PATHS), { nil: undefined }),
  kind: fc.constantFrom('modified', 'modified', 'added', 'deleted'),
  hunks: fc.array(fc.tuple(fc.nat({ max: 50 }), hunkLines, fc.boolean()), { minLength: 1, maxLength: 3 }),
});

type DiffFile = typeof file extends fc.Arbitrary<infer T> ? T : never;

/** A git diff of the files; every hunk's counts are true. */
function gitDiff(files: readonly DiffFile[], tail: string): string {
  const out: string[] = [];
  for (const f of files) {
    const to = f.kind === 'modified' ? (f.renamedTo ?? f.path) : f.path;
    out.push(`diff --git a/${f.path} b/${to}`);
    if (to !== f.path) out.push('similarity index 88%', `rename from ${f.path}`, `rename to ${to}`);
    if (f.kind === 'added') out.push('new file mode 100644');
    if (f.kind === 'deleted') out.push('deleted file mode 100644');
    out.push('index 1c8a3b2..4f0e9d1 100644');
    out.push(f.kind === 'added' ? '--- /dev/null' : `--- a/${f.path}`, f.kind === 'deleted' ? '+++ /dev/null' : `+++ b/${to}`);
    let oldAt = 1;
    let newAt = 1;
    for (const [i, [gap, raw, noNewline]] of f.hunks.entries()) {
      // A new file has only added lines, a deleted one only deleted lines.
      const lines: Line[] = raw.map((l): Line => (f.kind === 'added' ? { ...l, kind: '+' as const } : f.kind === 'deleted' ? { ...l, kind: '-' as const } : l));
      oldAt += gap;
      newAt += gap;
      const oldCount = lines.filter((l) => l.kind !== '+').length;
      const newCount = lines.filter((l) => l.kind !== '-').length;
      out.push(`@@ -${oldCount === 0 ? oldAt - 1 : oldAt},${oldCount} +${newCount === 0 ? newAt - 1 : newAt},${newCount} @@ static int do_altp2m_op(`);
      for (const l of lines) out.push(l.kind + l.text);
      // Only the file's last line can lack its newline.
      const last = i === f.hunks.length - 1 || f.kind !== 'modified';
      if (noNewline && last) out.push('\\ No newline at end of file');
      oldAt += oldCount;
      newAt += newCount;
      if (f.kind !== 'modified') break; // one hunk holds a whole new or deleted file
    }
  }
  return out.join('\n') + '\n' + tail;
}

/** What both readers say of a diff, in parse-diff's terms. */
function oracle(text: string): unknown {
  return parseDiffText(text).map((f) => ({
    path: f.to === '/dev/null' ? f.from : f.to,
    oldPath: f.from === '/dev/null' ? null : f.from,
    additions: f.additions,
    deletions: f.deletions,
    hunks: f.chunks.map((c) => ({
      oldStart: c.oldStart,
      oldLines: c.oldLines,
      newStart: c.newStart,
      newLines: c.newLines,
      // parse-diff repeats the line before a `\` marker; the marker is no line of the file.
      lines: c.changes
        .filter((ch) => !ch.content.startsWith('\\'))
        .map((ch) =>
          ch.type === 'add' ? { kind: 'add', text: ch.content.slice(1), newLine: ch.ln } : ch.type === 'del' ? { kind: 'del', text: ch.content.slice(1), oldLine: ch.ln } : { kind: 'context', text: ch.content.slice(1), oldLine: ch.ln1, newLine: ch.ln2 },
        ),
    })),
  }));
}

function ours(model: DiffModel): unknown {
  return model.files.map((f) => ({
    path: f.path,
    oldPath: f.oldPath,
    additions: f.additions,
    deletions: f.deletions,
    hunks: f.hunks.map((h) => ({ oldStart: h.oldStart, oldLines: h.oldLines, newStart: h.newStart, newLines: h.newLines, lines: h.lines.map(({ func: _func, ...line }) => line) })),
  }));
}

const diffs = fc.tuple(fc.array(file, { minLength: 1, maxLength: 4 }), fc.constantFrom('', '-- \n2.39.5\n', '-- \n2.39.5\n\n')).map(([files, tail]) => gitDiff(files, tail));

describe('parseDiff agrees with parse-diff on well-formed git diffs', () => {
  it('same files, paths, counts, hunks and numbered lines', () => {
    fc.assert(
      fc.property(diffs, (text) => {
        const model = parseDiff(text);
        expect(model.problems).toBeUndefined();
        expect(ours(model)).toEqual(oracle(text));
        expectConsistent(model);
      }),
      { ...fcOptions, numRuns: fcOptions.numRuns * 4 },
    );
  });

  it('reads CRLF line ends as LF ones', () => {
    fc.assert(
      fc.property(diffs, (text) => {
        expect(parseDiff(text.replace(/\n/g, '\r\n'))).toEqual(parseDiff(text));
      }),
      fcOptions,
    );
  });

  it('counts what it models: the counting mode takes every well-formed diff and gives the model\'s counts', () => {
    fc.assert(
      fc.property(diffs, (text) => {
        const counts = countDiff(text);
        // But one with a `-- ` (a signature?) or `---` (a diffstat break?) line in a hunk.
        const ambiguous = /^(?:-- |--- )$/m.test(text.replace(/-- \n2\.39\.5\n\n?$/, ''));
        expect(counts === null).toBe(ambiguous);
        if (counts === null) return;
        expect(counts.map(({ path, oldPath, additions, deletions, binary }) => ({ path, oldPath, additions, deletions, binary }))).toEqual(
          parseDiff(text).files.map(({ path, oldPath, additions, deletions, binary }) => ({ path, oldPath, additions, deletions, binary })),
        );
      }),
      fcOptions,
    );
  });
});
