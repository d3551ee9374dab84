import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DiffLine, DiffModel, FileDiff, Hunk } from '../../src/diff/model.js';
import { parseDiff } from '../../src/diff/parse.js';
import { referenceParseDiff } from './support/reference-parse.js';
import { fcOptions } from '../fuzz/runs.js';

/**
 * parseDiff reads hunks itself since it was made faster; before, it handed each file section
 * to the parse-diff package. Its model must be what it was for every input, malformed ones
 * included: the pre-optimisation parser is kept in support/reference-parse.ts as the oracle.
 *
 * But for two malformed inputs on which the old parser (parse-diff, in fact) was wrong and
 * parseDiff was since fixed (see `readHunks` in src/diff/parse.ts). The oracle is left as it
 * was; instead, on these inputs only, its outcome is turned into what the fix should make of
 * it, after checking that it is what the old parser made of the input (`expectSame`).
 */

type Outcome = { model: unknown; json: string } | { threw: string };

function outcome(parse: (text: string) => unknown, text: string): Outcome {
  try {
    const model = parse(text);
    // JSON as well: the key order is part of what a report prints.
    return { model, json: JSON.stringify(model) };
  } catch (error) {
    return { threw: String(error) };
  }
}

/** What parse-diff threw on two `\` lines right after a hunk header. */
const DOUBLED_MARKER = "TypeError: Cannot read properties of undefined (reading 'type')";

/**
 * The text with every `\` line that follows a `\` line left out. parseDiff ignores `\` lines
 * wherever they stand (and none is looked ahead at by the splitter when it follows another),
 * so it makes the same model of both texts; the old parser no longer throws on the second.
 */
function withoutRepeatedMarkers(text: string): string {
  const lines = text.split(/(?<=\n)/);
  return lines.filter((line, i) => !(line.startsWith('\\') && i > 0 && lines[i - 1]!.startsWith('\\'))).join('');
}

/** A hunk's lines without their scopes (which the old parser carried across hunk headers). */
const unscoped = (lines: readonly DiffLine[]): DiffLine[] => lines.map(({ func: _func, ...line }) => line);

/**
 * The old parser let a hunk that kept no line (`oldLines` and `newLines` 0) take every later
 * hunk of its file as lines: each later header became a context line `@ -a,b +c,d @@<rest>`
 * (with the counts that hunk kept), its lines followed, all numbered on from the empty hunk's
 * start. This checks that `old` did exactly that with the hunks `ours` has, scopes aside, and
 * gives back `old` with the empty hunk empty and the later hunks as `ours` has them.
 */
function unswallowed(ours: FileDiff, old: FileDiff): FileDiff {
  const k = ours.hunks.findIndex((h, i) => h.oldLines === 0 && h.newLines === 0 && i + 1 < ours.hunks.length);
  if (k < 0) return old;
  expect(old.hunks).toHaveLength(k + 1);
  const empty = old.hunks[k]!;
  let oldLine = empty.oldStart;
  let newLine = empty.newStart;
  const expected: DiffLine[] = [];
  const taken = [...old.hunks[k]!.lines];
  for (const later of ours.hunks.slice(k + 1)) {
    // The header line as written but for its counts (the model keeps no leading zeros of the
    // start numbers, nor whether a space came before the context).
    const text = taken[expected.length]?.text ?? '';
    const escaped = later.context.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    expect(text).toMatch(new RegExp(`^@ -0*${later.oldStart},${later.oldLines} \\+0*${later.newStart},${later.newLines} @@ ?${escaped}$`));
    expected.push({ kind: 'context', text, oldLine: oldLine++, newLine: newLine++ });
    for (const line of later.lines) {
      if (line.kind === 'add') expected.push({ kind: 'add', text: line.text, newLine: newLine++ });
      else if (line.kind === 'del') expected.push({ kind: 'del', text: line.text, oldLine: oldLine++ });
      else expected.push({ kind: 'context', text: line.text, oldLine: oldLine++, newLine: newLine++ });
    }
  }
  expect(unscoped(taken)).toStrictEqual(expected);
  const hunks: Hunk[] = [...old.hunks.slice(0, k), { ...empty, lines: [] }, ...ours.hunks.slice(k + 1)];
  return { ...old, hunks };
}

function expectSame(text: string): void {
  const ours = outcome(parseDiff, text);
  let old = outcome(referenceParseDiff, text);
  if ('threw' in old && old.threw === DOUBLED_MARKER) {
    // Fixed: parseDiff ignores a `\` line that marks no line.
    expect(ours).not.toHaveProperty('threw');
    old = outcome(referenceParseDiff, withoutRepeatedMarkers(text));
  }
  if ('model' in ours && 'model' in old) {
    // Fixed: an empty hunk is an empty hunk, and each later hunk a hunk.
    const oursModel = ours.model as DiffModel;
    const oldModel = old.model as DiffModel;
    expect(oursModel.files).toHaveLength(oldModel.files.length);
    if (oursModel.files.some((f, i) => unswallowed(f, oldModel.files[i]!) !== oldModel.files[i])) {
      const model: DiffModel = { ...oldModel, files: oldModel.files.map((f, i) => unswallowed(oursModel.files[i]!, f)) };
      old = { model, json: JSON.stringify(model) };
    }
  }
  expect(ours).toStrictEqual(old);
}

// Lines that steer the splitter's state machine: headers of every kind, hunk headers that
// tell the truth or lie, change lines that look like headers, markers, signatures, prose.
const headerLines = fc.constantFrom(
  'diff --git a/xen/arch/x86/hvm/hvm.c b/xen/arch/x86/hvm/hvm.c',
  'diff --git a/xen/xsm/flask/hooks.c b/xen/xsm/flask/flask_hooks.c',
  'diff --git "a/docs/caf\\303\\251 x.txt" "b/docs/caf\\303\\251 x.txt"',
  'diff --git a/x y b/x y',
  'diff --git a/',
  'diff --git ',
  'index 1111111..2222222 100644',
  'index 0000000..2222222',
  'new file mode 100644',
  'deleted file mode 100755',
  'old mode 100644',
  'new mode 100755',
  'similarity index 91%',
  'dissimilarity index 60%',
  'rename from xen/xsm/flask/hooks.c',
  'rename to xen/xsm/flask/flask_hooks.c',
  'copy from xen/include/public/domctl.h',
  'copy to xen/include/public/sysctl.h',
  '--- a/xen/arch/x86/hvm/hvm.c',
  '+++ b/xen/arch/x86/hvm/hvm.c',
  '--- /dev/null',
  '+++ /dev/null',
  '--- "a/docs/caf\\303\\251 x.txt"\t2024-01-01 12:00:00',
  '+++ b/x.c\t2024-01-01 12:00:00.000000000 +0100',
  'Binary files a/x.png and b/x.png differ',
  'Binary files /dev/null and b/x.png differ',
  'GIT binary patch',
  'literal 12',
  'zcmZ?wbhEHbR',
);
const hunkHeaders = fc.oneof(
  fc.constantFrom('@@ -1 +1 @@', '@@ -0,0 +1 @@', '@@ -1,0 +1,0 @@', '@@ -0,0 +0,0 @@', '@@ -007,2 +7,2 @@ static int f(void)', '@@ -4512,6 +4512,7 @@ static int do_altp2m_op(', '@@ -1,3 +1,3 @@@ x', '@@ -1,2 +1,2 @@struct s {', '@@ -1 +1,2'),
  fc.tuple(fc.nat({ max: 40 }), fc.nat({ max: 6 }), fc.nat({ max: 40 }), fc.nat({ max: 6 }), fc.constantFrom('', ' ', ' int main(void)', ' struct xen_domctl {', '  }', ' DEFINE_PER_CPU(int, x);')).map(
    ([a, b, c, d, rest]) => `@@ -${a},${b} +${c},${d} @@${rest}`,
  ),
);
const bodyText = fc.constantFrom('', ' ', '- ', '-- ', '--- a/x', '++ b/x', '++', '@@ -1 +1 @@', 'static int f(void)', 'struct xen_domctl {', 'typedef union u {', '}', '};', '    break;', 'if (x)', 'DEFINE_PER_CPU(int, x)', 'int a;', '$x(', 'x\r');
const bodyLines = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom(' ', ' ', '+', '-'), bodyText).map(([m, t]) => m + t) },
  { weight: 1, arbitrary: fc.constantFrom('', '-- ', '--', '\\ No newline at end of file', '\\ Kein Zeilenumbruch am Dateiende.', '\\', '2.39.5', 'From the SDM', '\tindented', ' ') },
);
const anyLine = fc.oneof({ weight: 2, arbitrary: headerLines }, { weight: 2, arbitrary: hunkHeaders }, { weight: 8, arbitrary: bodyLines });

/** Joins lines with LF or CRLF (or a mix), with or without a final newline. */
const joined = (lines: fc.Arbitrary<string[]>): fc.Arbitrary<string> =>
  fc.tuple(lines, fc.constantFrom('\n', '\r\n', 'mixed'), fc.constantFrom('', '\n', '\r\n', '\n\n', '\n-- \n2.39.5\n')).map(([ls, eol, end]) =>
    eol === 'mixed' ? ls.map((l, i) => l + (i % 3 === 0 ? '\r\n' : '\n')).join('') + end : ls.join(eol) + end,
  );

/** A diff shaped like git's: files, each with headers and hunks whose counts may lie. */
const shapedDiff = fc
  .array(
    fc.record({
      git: fc.boolean(),
      headers: fc.array(headerLines, { maxLength: 4 }),
      pair: fc.boolean(),
      hunks: fc.array(fc.tuple(hunkHeaders, fc.array(bodyLines, { maxLength: 12 })), { maxLength: 4 }),
      trailer: fc.array(anyLine, { maxLength: 2 }),
    }),
    { minLength: 1, maxLength: 4 },
  )
  .map((files) =>
    files.flatMap((f) => [
      ...(f.git ? ['diff --git a/xen/arch/x86/hvm/hvm.c b/xen/arch/x86/hvm/hvm.c'] : []),
      ...f.headers,
      ...(f.pair || !f.git ? ['--- a/xen/arch/x86/hvm/hvm.c', '+++ b/xen/arch/x86/hvm/hvm.c'] : []),
      ...f.hunks.flatMap(([header, lines]) => [header, ...lines]),
      ...f.trailer,
    ]),
  );

/** A clean two-file git diff to mutate. */
const base = [
  'diff --git a/xen/arch/x86/hvm/hvm.c b/xen/arch/x86/hvm/hvm.c',
  'index 1c8a3b2..4f0e9d1 100644',
  '--- a/xen/arch/x86/hvm/hvm.c',
  '+++ b/xen/arch/x86/hvm/hvm.c',
  '@@ -4512,6 +4512,7 @@ static int do_altp2m_op(',
  '     case HVMOP_altp2m_switch_p2m:',
  '+    case HVMOP_altp2m_get_visibility:',
  '         break;',
  '-- ',
  ' }',
  '',
  '+static int other(void)',
  '@@ -5000,2 +5001,2 @@ struct xen_hvm_altp2m_op {',
  '-    uint8_t pad;',
  '\\ No newline at end of file',
  '+    uint8_t visible;',
  '\\ No newline at end of file',
  ' };',
  'diff --git a/xen/xsm/flask/hooks.c b/xen/xsm/flask/hooks2.c',
  'similarity index 91%',
  'rename from xen/xsm/flask/hooks.c',
  'rename to xen/xsm/flask/hooks2.c',
  '--- a/xen/xsm/flask/hooks.c',
  '+++ b/xen/xsm/flask/hooks2.c',
  '@@ -1 +1 @@',
  '-a',
  '+b',
  '-- ',
  '2.39.5',
  '',
].join('\n');
const insertions = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('\n', '\r', '\r\n', '\n+', '\n-', '\n ', '\n\\ No newline at end of file\n', '\n\\ x\n\\ y\n', '\n@@ -1,0 +1,0 @@\n', '\n@@ -1,9 +1,2 @@\n', '\ndiff --git a/x b/x\n', '\n--- a/x\n+++ b/x\n', '\n-- \n', 'GIT binary patch\n', '"', '\\'),
);
const mutated = fc.tuple(fc.array(fc.record({ at: fc.nat(), cut: fc.nat({ max: 8 }), insert: insertions }), { maxLength: 8 }), fc.nat({ max: 2 })).map(([mutations, copies]) => {
  let t = base.repeat(copies + 1);
  for (const m of mutations) {
    const at = m.at % (t.length + 1);
    t = t.slice(0, at) + m.insert + t.slice(at + m.cut);
  }
  return t;
});

const runs = { ...fcOptions, numRuns: fcOptions.numRuns * 4 };

describe('parseDiff equals the pre-optimisation parser', () => {
  it('on diffs shaped like git and diff -u output, counts true or lying, LF or CRLF', () => {
    fc.assert(fc.property(joined(shapedDiff), expectSame), runs);
  });

  it('on any sequence of diff-like lines', () => {
    fc.assert(fc.property(joined(fc.array(anyLine, { maxLength: 40 })), expectSame), runs);
  });

  it('on mutated real-looking diffs', () => {
    fc.assert(fc.property(mutated, expectSame), runs);
  });

  it('on arbitrary text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), expectSame), runs);
  });

  it('but for the two inputs parse-diff got wrong: a hunk with no lines took the later ones; a doubled "\\" line threw', () => {
    const head = ['diff --git a/x.c b/x.c', '--- a/x.c', '+++ b/x.c'];
    const swallowing = [...head, '@@ -1,0 +1,0 @@', '@@ -5 +5 @@ int f(void)', '-x', '\\ q', '\\ r', '+y', ''].join('\n');
    // The oracle still does what it did: the normalising in expectSame is not idle.
    const old = referenceParseDiff(swallowing).files[0]!.hunks;
    expect(old.map((h) => h.lines.map((l) => `${l.kind}:${l.text}:${l.oldLine ?? ''}:${l.newLine ?? ''}`))).toEqual([['context:@ -5,1 +5,1 @@ int f(void):1:1', 'del:x:2:', 'add:y::2']]);
    expectSame(swallowing);
    expect(parseDiff(swallowing).files[0]!.hunks.map((h) => h.lines.map((l) => `${l.kind}:${l.text}:${l.oldLine ?? ''}:${l.newLine ?? ''}`))).toEqual([[], ['del:x:5:', 'add:y::5']]);
    const truncated = [...head, '@@ -1 +1 @@', '\\ a', '@@ -5 +5 @@', '-x', '+y', ''].join('\n');
    expect(referenceParseDiff(truncated).files[0]!.hunks).toHaveLength(1);
    expectSame(truncated);
    expect(parseDiff(truncated).files[0]!.hunks).toHaveLength(2);
    const doubled = [...head, '@@ -1 +1 @@', '\\ a', '\\ b', '-x', '+y', ''].join('\n');
    expect(() => referenceParseDiff(doubled)).toThrow(TypeError);
    expectSame(doubled);
    // Both at once, the doubled marker in a hunk the empty one took.
    expectSame([...head, '@@ -1,0 +1,0 @@', '@@ -3 +3 @@', '\\ a', '\\ b', '-x', '+y', '@@ -9 +9 @@', '\\ a', '\\ b', ' z', ''].join('\n'));
  });

  it('on a deleted line "--- x" naming the old file of a section without a ---/+++ pair', () => {
    expectSame(['diff --git a/x.c b/x.c', '@@ -1,2 +1,2 @@', '--- y.c', '+++ z.c', ''].join('\n'));
    expect(parseDiff(['diff --git a/x.c b/x.c', '@@ -1,2 +1,2 @@', '--- y.c', '+++ z.c', ''].join('\n')).files[0]!.oldPath).toBe('y.c');
  });
});
