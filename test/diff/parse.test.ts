import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDiff } from '../../src/diff/parse.js';
import type { DiffModel, FileDiff } from '../../src/diff/model.js';
import { fixture, patchesOf } from '../ingest/read.js';
import { fcOptions } from '../fuzz/runs.js';
import { expectConsistent } from './support/consistent.js';

const byPath = (files: readonly FileDiff[], path: string): FileDiff => {
  const file = files.find((f) => f.path === path);
  if (!file) throw new Error(`no file ${path} in ${files.map((f) => f.path).join(', ')}`);
  return file;
};

describe('parseDiff on git format-patch output', () => {
  it('models deletion, creation, rename with similarity, binary and mode change (3/3 of the v3 series)', async () => {
    const patches = await patchesOf(fixture('input/series-v3.mbox'));
    const files = patches[3]!.diff.files;
    expect(files.map((f) => [f.path, f.status, f.additions, f.deletions, f.binary])).toEqual([
      ['docs/misc/altp2m.txt', 'deleted', 0, 4, false],
      ['tools/misc/Makefile.views', 'added', 2, 0, false],
      ['tools/misc/xen-altp2m-views.c', 'renamed', 1, 1, false],
      ['tools/tests/blob.bin', 'modified', 0, 0, true],
      ['tools/tests/run.sh', 'modified', 0, 0, false],
    ]);
    const deleted = byPath(files, 'docs/misc/altp2m.txt');
    expect([deleted.oldPath, deleted.newPath, deleted.oldMode]).toEqual(['docs/misc/altp2m.txt', null, '100644']);
    const created = byPath(files, 'tools/misc/Makefile.views');
    expect([created.oldPath, created.newMode]).toEqual([null, '100644']);
    // "\ No newline at end of file" is no line of the file.
    expect(created.hunks[0]!.lines.map((l) => l.text)).toEqual(['XEN_ROOT = $(CURDIR)/../..', 'all: xen-altp2m-views']);
    const renamed = byPath(files, 'tools/misc/xen-altp2m-views.c');
    expect([renamed.oldPath, renamed.similarity]).toEqual(['tools/misc/xen-altp2m-view.c', 78]);
    const mode = byPath(files, 'tools/tests/run.sh');
    expect([mode.oldMode, mode.newMode, mode.hunks.length]).toEqual(['100644', '100755', 0]);
  });

  it('gives old/new line numbers and the enclosing function from the hunk header', async () => {
    const patches = await patchesOf(fixture('input/series-v3.mbox'));
    const hvm = byPath(patches[2]!.diff.files, 'xen/arch/x86/hvm/hvm.c');
    expect(hvm.hunks.map((h) => h.context)).toEqual(['static int do_altp2m_op(XEN_GUEST_HANDLE_PARAM(void) arg)', 'static int do_altp2m_op(XEN_GUEST_HANDLE_PARAM(void) arg)']);
    const added = hvm.hunks.flatMap((h) => h.lines.filter((l) => l.kind === 'add'));
    // Post-image line numbers, checked against the file in the test tree (grep -n).
    expect(added.map((l) => [l.newLine, l.text])).toEqual([
      [33, '    case HVMOP_altp2m_get_visibility:'],
      [50, '    case HVMOP_altp2m_get_visibility:'],
      [51, '        rc = altp2m_get_vis(d, &a.u.get_vis);'],
      [52, '        break;'],
      [53, ''],
    ]);
    expect(added.every((l) => l.func === 'do_altp2m_op' && l.oldLine === undefined)).toBe(true);
    const firstContext = hvm.hunks[0]!.lines[0]!;
    expect([firstContext.kind, firstContext.oldLine, firstContext.newLine]).toEqual(['context', 30, 30]);
    const header = byPath(patches[1]!.diff.files, 'xen/include/public/hvm/hvm_op.h');
    expect(header.hunks[1]!.lines.find((l) => l.text.includes('HVMOP_altp2m_get_visibility'))?.newLine).toBe(25);
    // A struct opened inside the hunk becomes the scope of the lines after it.
    expect(header.hunks[0]!.lines.find((l) => l.text === '    uint8_t visible;')?.func).toBe('struct xen_hvm_altp2m_get_vis');
  });

  it('does not count the "-- " signature, nor a body line starting with "From "', async () => {
    const patches = await patchesOf(fixture('input/series-v3.mbox'));
    expect(patches[1]!.message.prose).toContain('From the SDM, volume 3C');
    expect(patches.map((p) => p.diff.files.reduce((n, f) => n + f.deletions, 0))).toEqual([0, 0, 0, 5]);
    expect(patches.every((p) => p.problems === undefined)).toBe(true);
  });

  it('reads several files, copies, "Binary files differ", paths with spaces and C-quoted paths', () => {
    const model = parseDiff(
      [
        'diff --git "a/docs/misc/caf\\303\\251 notes.txt" "b/docs/misc/caf\\303\\251 notes.txt"',
        'index 1111111..2222222 100644',
        '--- "a/docs/misc/caf\\303\\251 notes.txt"',
        '+++ "b/docs/misc/caf\\303\\251 notes.txt"',
        '@@ -1 +1 @@',
        '-old',
        '+new',
        'diff --git a/xen/arch/x86/mm/altp2m.c b/xen/arch/x86/mm/altp2m-views.c',
        'similarity index 91%',
        'copy from xen/arch/x86/mm/altp2m.c',
        'copy to xen/arch/x86/mm/altp2m-views.c',
        'index 3333333..4444444 100644',
        '--- a/xen/arch/x86/mm/altp2m.c',
        '+++ b/xen/arch/x86/mm/altp2m-views.c',
        '@@ -10,3 +10,3 @@ int altp2m_vcpu_initialise(struct vcpu *v)',
        ' {',
        '-    return 0;',
        '+    return -EOPNOTSUPP;',
        ' }',
        'diff --git a/docs/figs/altp2m views.png b/docs/figs/altp2m views.png',
        'new file mode 100644',
        'index 0000000..5555555',
        'Binary files /dev/null and b/docs/figs/altp2m views.png differ',
        '',
      ].join('\n'),
    );
    expect(model.files.map((f) => [f.path, f.oldPath, f.status, f.additions, f.deletions, f.binary])).toEqual([
      ['docs/misc/café notes.txt', 'docs/misc/café notes.txt', 'modified', 1, 1, false],
      ['xen/arch/x86/mm/altp2m-views.c', 'xen/arch/x86/mm/altp2m.c', 'copied', 1, 1, false],
      ['docs/figs/altp2m views.png', null, 'added', 0, 0, true],
    ]);
    expect(model.files[1]!.similarity).toBe(91);
    expect(model.files[1]!.hunks[0]!.lines.map((l) => l.func)).toEqual(['altp2m_vcpu_initialise', 'altp2m_vcpu_initialise', 'altp2m_vcpu_initialise', 'altp2m_vcpu_initialise']);
    expect(model.problems).toBeUndefined();
  });

  it('reads "\\ No newline at end of file" on the old side in the middle of a hunk', () => {
    const model = parseDiff(['--- a/tools/misc/Makefile.views', '+++ b/tools/misc/Makefile.views', '@@ -1,2 +1,3 @@', ' XEN_ROOT = $(CURDIR)/../..', '-all: xen-altp2m-views', '\\ No newline at end of file', '+all: xen-altp2m-views', '+install: all', ''].join('\n'));
    const file = model.files[0]!;
    expect([file.additions, file.deletions]).toEqual([2, 1]);
    expect(file.hunks[0]!.lines.map((l) => `${l.kind}:${l.oldLine ?? ''}:${l.newLine ?? ''}`)).toEqual(['context:1:1', 'del:2:', 'add::2', 'add::3']);
    expect(model.problems).toBeUndefined();
  });

  it('does not throw on "\\ No newline at end of file" right after a hunk header (found by fuzzing)', () => {
    const model = parseDiff(['--- a/xen/arch/x86/hvm/hvm.c', '+++ b/xen/arch/x86/hvm/hvm.c', '@@ -1,1 +1,1 @@ static int do_altp2m_op(', '\\ No newline at end of file', '-a', '+b', ''].join('\n'));
    expect(model.files.map((f) => [f.path, f.additions, f.deletions])).toEqual([['xen/arch/x86/hvm/hvm.c', 1, 1]]);
  });

  it('reads a translated GNU diff marker ("\\ Kein Zeilenumbruch am Dateiende.") as the marker, not a line', () => {
    const model = parseDiff(['--- a/docs/misc/altp2m.txt', '+++ b/docs/misc/altp2m.txt', '@@ -1,2 +1,2 @@', ' a', '-b', '\\ Kein Zeilenumbruch am Dateiende.', '+c', ''].join('\n'));
    expect(model.files[0]!.hunks[0]!.lines.map((l) => `${l.kind}:${l.oldLine ?? ''}:${l.newLine ?? ''}`)).toEqual(['context:1:1', 'del:2:', 'add::2']);
  });

  it('reads plain diff -u output with timestamps and takes the new path', () => {
    const model = parseDiff(fixture('input/plain-diff-u.diff').toString('utf8'));
    expect(model.files.map((f) => [f.path, f.oldPath, f.additions, f.deletions])).toEqual([['xen/include/public/domctl.h', 'xen/include/public/domctl.h.orig', 8, 0]]);
  });
});

describe('parseDiff when hunk counts lie', () => {
  const header = ['diff --git a/xen/common/domctl.c b/xen/common/domctl.c', 'index 1234567..89abcde 100644', '--- a/xen/common/domctl.c', '+++ b/xen/common/domctl.c'];

  it('stops at the signature when the counts are too large, and says so', () => {
    const model = parseDiff([...header, '@@ -10,5 +10,6 @@ long do_domctl(', '     case XEN_DOMCTL_pausedomain:', '+        /* pause */', '         break;', '-- ', '2.39.5', ''].join('\n'));
    const file = model.files[0]!;
    expect([file.additions, file.deletions]).toEqual([1, 0]);
    expect(file.hunks[0]!.lines.map((l) => l.kind)).toEqual(['context', 'add', 'context']);
    expect(model.problems).toEqual([expect.stringMatching(/^xen\/common\/domctl\.c: hunk "@@ -10,5 \+10,6 @@" ends 3 line\(s\) before its header says/)]);
  });

  it('counts a real deleted line "- " that ends the hunk exactly', () => {
    const model = parseDiff([...header, '@@ -1,2 +1,1 @@', ' keep', '-- ', '-- ', '2.39.5', ''].join('\n'));
    expect([model.files[0]!.deletions, model.problems]).toEqual([1, undefined]);
  });

  it('reports lines beyond the counts and still reads the next hunk', () => {
    const model = parseDiff([...header, '@@ -1,2 +1,2 @@', ' a', '-b', '+c', ' d', '+e', '@@ -20,2 +20,2 @@', ' p', '-q', '+r', ''].join('\n'));
    const file = model.files[0]!;
    expect(file.hunks.map((h) => h.lines.map((l) => `${l.kind[0]}${l.oldLine ?? ''}/${l.newLine ?? ''}`).join(' '))).toEqual(['c1/1 d2/ a/2', 'c20/20 d21/ a/21']);
    expect([file.additions, file.deletions]).toEqual([2, 2]);
    expect(model.problems).toHaveLength(1);
    expect(model.problems![0]).toMatch(/followed by more diff lines than its header counts/);
  });

  it('reports a diff cut off mid-hunk (a truncated mbox)', () => {
    const model = parseDiff([...header, '@@ -1,6 +1,7 @@', ' a', ' b', '+c'].join('\n'));
    expect([model.files[0]!.additions, model.problems?.length]).toEqual([1, 1]);
    expect(model.problems![0]).toMatch(/ends 4 line\(s\) before/);
  });

  it('ends a hunk at its counts and reports the changed lines after it, uncounted', () => {
    const model = parseDiff([...header, '@@ -5,1 +5,1 @@', ' a', '+b', '+c', ' d', ''].join('\n'));
    const file = model.files[0]!;
    expect(file.hunks[0]!.lines.map((l) => l.newLine)).toEqual([5]);
    expect(file.additions).toBe(0);
    expect(model.problems).toHaveLength(1);
  });
});

describe('parseDiff on hunks that keep no line and on "\\" lines that mark none', () => {
  const header = ['diff --git a/xen/common/domctl.c b/xen/common/domctl.c', 'index 1234567..89abcde 100644', '--- a/xen/common/domctl.c', '+++ b/xen/common/domctl.c'];
  const shape = (model: DiffModel): string[][] =>
    model.files[0]!.hunks.map((h) => [`${h.oldStart},${h.oldLines} ${h.newStart},${h.newLines}`, ...h.lines.map((l) => `${l.kind}:${l.text}:${l.oldLine ?? ''}:${l.newLine ?? ''}`)]);

  it('models an empty hunk as an empty hunk, and the hunk after it as its own (it took the later hunks once)', () => {
    const model = parseDiff([...header, '@@ -1,0 +1,0 @@', '@@ -10,2 +10,2 @@ long do_domctl(', ' {', '-    return 0;', '+    return -EINVAL;', ''].join('\n'));
    expect(model).toStrictEqual({
      files: [
        {
          path: 'xen/common/domctl.c',
          oldPath: 'xen/common/domctl.c',
          newPath: 'xen/common/domctl.c',
          status: 'modified',
          binary: false,
          additions: 1,
          deletions: 1,
          hunks: [
            { oldStart: 1, oldLines: 0, newStart: 1, newLines: 0, context: '', lines: [] },
            {
              oldStart: 10,
              oldLines: 2,
              newStart: 10,
              newLines: 2,
              context: 'long do_domctl(',
              lines: [
                { kind: 'context', text: '{', oldLine: 10, newLine: 10, func: 'do_domctl' },
                { kind: 'del', text: '    return 0;', oldLine: 11, func: 'do_domctl' },
                { kind: 'add', text: '    return -EINVAL;', newLine: 11, func: 'do_domctl' },
              ],
            },
          ],
        },
      ],
    });
  });

  it('keeps each later hunk after one whose counts end before its first line, or at a "\\" line, and reports those', () => {
    const model = parseDiff([...header, '@@ -1 +1 @@', '@@ -3 +3 @@', '\\ No newline at end of file', '@@ -5 +5 @@', '-a', '+b', ''].join('\n'));
    expect(shape(model)).toEqual([['1,0 1,0'], ['3,0 3,0'], ['5,1 5,1', 'del:a:5:', 'add:b::5']]);
    expect(model.files[0]!.additions + model.files[0]!.deletions).toBe(2);
    expect(model.problems).toEqual([
      expect.stringMatching(/^xen\/common\/domctl\.c: hunk "@@ -1 \+1 @@" ends 1 line\(s\) before its header says/),
      expect.stringMatching(/^xen\/common\/domctl\.c: hunk "@@ -3 \+3 @@" ends 1 line\(s\) before its header says/),
    ]);
  });

  it('ignores two "\\" lines right after a hunk header (it threw a TypeError once) and reads the lines after them', () => {
    const model = parseDiff([...header, '@@ -1 +1 @@', '\\ No newline at end of file', '\\ No newline at end of file', '-x', '+y', '@@ -5,2 +5,2 @@', ' a', '-b', '+c', ''].join('\n'));
    expect(shape(model)).toEqual([
      ['1,1 1,1', 'del:x:1:', 'add:y::1'],
      ['5,2 5,2', 'context:a:5:5', 'del:b:6:', 'add:c::6'],
    ]);
    expect(model.problems).toBeUndefined();
    // Both at once: the hunk ends at the next header, empty, and the next one is intact.
    const both = parseDiff([...header, '@@ -1 +1 @@', '\\ a', '\\ b', '\\ c', '@@ -5,2 +5,2 @@', ' a', '-b', '+c', ''].join('\n'));
    expect(shape(both)).toEqual([['1,0 1,0'], ['5,2 5,2', 'context:a:5:5', 'del:b:6:', 'add:c::6']]);
    expect(both.problems).toHaveLength(1);
  });

  // Diff-like lines, `\` lines and hunk headers with small (often zero) counts frequent.
  const line = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom('\\ No newline at end of file', '\\', '\\ x', '\\\r') },
    { weight: 3, arbitrary: fc.tuple(fc.nat({ max: 9 }), fc.nat({ max: 3 }), fc.nat({ max: 9 }), fc.nat({ max: 3 }), fc.constantFrom('', ' f(', '@@')).map(([a, b, c, d, r]) => `@@ -${a},${b} +${c},${d} @@${r}`) },
    { weight: 1, arbitrary: fc.constantFrom('@@ -1 +1 @@', '@@ -1,0 +1,0 @@', '@@ -1 +1', '@@') },
    { weight: 6, arbitrary: fc.constantFrom(' a', '-b', '+c', '', ' ', '-- ', '--', '{', ' }', '+int f(void)', '2.39.5') },
    { weight: 2, arbitrary: fc.constantFrom('diff --git a/x.c b/x.c', 'diff --git a/', '--- a/x.c', '+++ b/x.c', '--- /dev/null', 'index 1..2 100644', 'new file mode 100644', 'rename from y.c', 'Binary files a/x and b/x differ', 'GIT binary patch') },
    { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
  );
  const diffLike = fc.tuple(fc.array(line, { maxLength: 40 }), fc.constantFrom('\n', '\r\n'), fc.constantFrom('', '\n')).map(([lines, eol, end]) => lines.join(eol) + end);

  it('never throws on diff-like lines, and each hunk holds the lines its counts say, numbered from its start', () => {
    fc.assert(
      fc.property(diffLike, (text) => expectConsistent(parseDiff(text))),
      { ...fcOptions, numRuns: fcOptions.numRuns * 4 },
    );
  });
});
